//! The one room for `unsafe` in preloadctl: the crate root denies
//! `unsafe_code` everywhere else, and allows it only in this module. Every
//! `unsafe` block here says why it is sound (`// SAFETY:`).
//!
//! What needs it: catching SIGINT and SIGTERM while a request to the kernel
//! waits, so that the wait ends (the write fails with `EINTR`) and
//! preloadctl lives to say what state the request left, instead of dying
//! inside it. Nothing is blocked or ignored: the signal still ends the wait
//! at once, and SIGKILL still kills. And `--quiet`: pointing standard output
//! at `/dev/null` (`dup2`), so that nothing any command prints gets out.
//! And killing a veto hook with whatever it started (`kill` of its process
//! group).

use std::fs::OpenOptions;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicI32, Ordering};

/// The last signal caught while a [`SignalCatch`] lived, or 0.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

/// The signals caught.
const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

/// The handler: records the signal and returns, which makes the system
/// call it interrupted fail with `EINTR` (no `SA_RESTART`).
extern "C" fn record(signal: libc::c_int) {
    // An atomic store is async-signal-safe.
    CAUGHT.store(signal, Ordering::Relaxed);
}

/// While it lives, SIGINT and SIGTERM interrupt the system call in progress
/// instead of ending the program; dropping it restores what they did before.
pub struct SignalCatch {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

impl SignalCatch {
    /// Installs the handler for SIGINT and SIGTERM.
    pub fn install() -> io::Result<SignalCatch> {
        CAUGHT.store(0, Ordering::Relaxed);
        let mut catch = SignalCatch {
            previous: Vec::new(),
        };
        for signal in SIGNALS {
            // SAFETY: `sigaction` is plain data, for which all zeroes is a
            // valid value (no handler, an empty mask, no flags).
            let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
            action.sa_sigaction = record as extern "C" fn(libc::c_int) as libc::sighandler_t;
            // Zeroed is already the empty set; no SA_RESTART, so the
            // interrupted call fails with EINTR and is not restarted.
            action.sa_flags = 0;
            // SAFETY: zeroed memory is a valid `sigaction` to overwrite.
            let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
            // SAFETY: both pointers are to live, properly aligned
            // `sigaction`s; `record` only does an atomic store, which is
            // async-signal-safe.
            if unsafe { libc::sigaction(signal, &action, &mut old) } != 0 {
                return Err(io::Error::last_os_error());
            }
            catch.previous.push((signal, old));
        }
        Ok(catch)
    }

    /// The signal caught since it was installed, by name.
    pub fn caught(&self) -> Option<&'static str> {
        match CAUGHT.load(Ordering::Relaxed) {
            libc::SIGINT => Some("SIGINT"),
            libc::SIGTERM => Some("SIGTERM"),
            _ => None,
        }
    }
}

impl Drop for SignalCatch {
    fn drop(&mut self) {
        for (signal, old) in &self.previous {
            // SAFETY: `old` is the action `sigaction` returned for this
            // signal; a null pointer asks for no previous action back.
            unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
        }
    }
}

/// Points standard output (file descriptor 1) at `/dev/null` for the rest
/// of the program: everything printed to it is discarded (`--quiet`).
pub fn discard_stdout() -> io::Result<()> {
    let null = OpenOptions::new().write(true).open("/dev/null")?;
    // SAFETY: `dup2` only replaces descriptor 1 with a duplicate of the open
    // descriptor `null` owns, which stays open for the call; Rust's stdout
    // keeps writing to descriptor 1 and owns no other state about it.
    if unsafe { libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sends SIGKILL to every process in the process group `group` (a child
/// started as the leader of its own group). A group that is gone is fine.
pub fn kill_process_group(group: u32) {
    let Ok(group) = libc::pid_t::try_from(group) else {
        return;
    };
    // SAFETY: `kill` takes plain integers and touches no memory of ours; a
    // negative pid names the process group, which only the child this
    // program started and its descendants are in.
    unsafe { libc::kill(-group, libc::SIGKILL) };
}
