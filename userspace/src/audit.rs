//! The audit log: each command that changes the system's state (which
//! ones: `Command::changes_state` in `cli.rs`) sends one line to syslog /
//! the journal when it ends, `preloadctl[PID]: user=UID COMMAND ARGS:
//! RESULT`, as the datagram of RFC 3164 the C library's `syslog()` sends to
//! `/dev/log` (`<PRI>` and the line; no timestamp, the receiver adds its
//! own). Facility `authpriv`: it records who did what with privilege, as
//! sudo, su and pkexec record the commands they run, so the line lands
//! beside those (Debian: `/var/log/auth.log`, readable by root and adm
//! only; `journalctl -t preloadctl`). No socket (no syslog daemon, a
//! chroot) means no line, silently.

use crate::error::{Error, Exit};
use crate::output::note;
use std::fs;
use std::io::{self, Write};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::Path;
use std::time::Duration;

/// The syslog socket, under the root (`--root`).
pub const SOCKET: &str = "/dev/log";
/// `LOG_AUTHPRIV`.
const FACILITY: u8 = 10;
/// `LOG_NOTICE`, for a command that succeeded.
const NOTICE: u8 = 5;
/// `LOG_WARNING`, for one that failed.
const WARNING: u8 = 4;
/// RFC 3164's limit for a whole message; a longer command line is cut.
const LINE_MAX: usize = 1024;
/// How long a syslog daemon that takes nothing may hold preloadctl up.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);

/// Sends the line for `words` (the command line, global options left
/// out) ending in `result` to the syslog socket under `root`.
pub fn record(root: &Path, words: &[String], result: &Result<Exit, Error>) {
    let socket = root.join(SOCKET.trim_start_matches('/'));
    let severity = match result {
        Ok(Exit::Ok) => NOTICE,
        _ => WARNING,
    };
    let message = line(std::process::id(), uid().as_deref(), words, result);
    let datagram = format!("<{}>{message}", FACILITY * 8 + severity);
    match send(&socket, datagram.as_bytes()) {
        Ok(()) => {}
        // No syslog here, or none listening.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
            ) => {}
        Err(e) => note!(
            "preloadctl: note: cannot write the audit line to {}: {}",
            socket.display(),
            crate::error::describe(&e)
        ),
    }
}

/// Sends `datagram` to the socket; a syslog daemon listening on a stream
/// socket instead gets it NUL-terminated, as the C library's `syslog()`
/// falls back to.
fn send(socket: &Path, datagram: &[u8]) -> io::Result<()> {
    let sender = UnixDatagram::unbound()?;
    sender.set_write_timeout(Some(SEND_TIMEOUT))?;
    match sender.send_to(datagram, socket) {
        Err(e) if e.raw_os_error() == Some(libc::EPROTOTYPE) => {
            let mut stream = UnixStream::connect(socket)?;
            stream.set_write_timeout(Some(SEND_TIMEOUT))?;
            stream.write_all(&[datagram, b"\0"].concat())
        }
        sent => sent.map(|_| ()),
    }
}

/// The line: `preloadctl[PID]: user=UID COMMAND ARGS: RESULT`, where
/// RESULT is `ok`, `exit N` or `failed (exit N): MESSAGE`.
pub fn line(pid: u32, uid: Option<&str>, words: &[String], result: &Result<Exit, Error>) -> String {
    let result = match result {
        Ok(Exit::Ok) => "ok".to_owned(),
        Ok(exit) => format!("exit {}", *exit as u8),
        Err(e) => {
            let message = e.to_string();
            let first = message.lines().next().unwrap_or_default();
            format!("failed (exit {}): {}", e.exit as u8, printable(first))
        }
    };
    let mut command = words
        .iter()
        .map(|w| quoted(w))
        .collect::<Vec<_>>()
        .join(" ");
    let head = format!("preloadctl[{pid}]: user={} ", uid.unwrap_or("?"));
    let room = LINE_MAX.saturating_sub(head.len() + result.len() + 2);
    if command.len() > room {
        let mut cut = room.saturating_sub(3);
        while !command.is_char_boundary(cut) {
            cut -= 1;
        }
        command.truncate(cut);
        command.push_str("...");
    }
    let mut line = format!("{head}{command}: {result}");
    if line.len() > LINE_MAX {
        let mut cut = LINE_MAX - 3;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.truncate(cut);
        line.push_str("...");
    }
    line
}

/// A word as the shell would take it back: plain if it is, else quoted
/// with Rust's escapes (no newline or control byte reaches the log).
fn quoted(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("{word:?}")
    }
}

/// `text` with control characters escaped.
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// This process's real user id, from `/proc/self/status` (the real
/// `/proc`: it is this process's, whatever the root).
fn uid() -> Option<String> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let uids = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    uids.split_whitespace().next().map(str::to_owned)
}

/// The command line as given, without the global options (`--root DIR`,
/// `--quiet`), which say where and how, not what.
pub fn command_words() -> Vec<String> {
    let mut words = Vec::new();
    let mut args = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--root" => {
                args.next();
            }
            "-q" | "--quiet" => {}
            _ if arg.starts_with("--root=") => {}
            _ => words.push(arg),
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn lines_say_who_what_and_how_it_ended() {
        assert_eq!(
            line(42, Some("0"), &words("apply"), &Ok(Exit::Ok)),
            "preloadctl[42]: user=0 apply: ok"
        );
        assert_eq!(
            line(
                7,
                Some("1000"),
                &words("swap --timeout 300 a b"),
                &Ok(Exit::Quiescing)
            ),
            "preloadctl[7]: user=1000 swap --timeout 300 a b: exit 8"
        );
        let refused = Error::new(
            Exit::Kernel,
            "start x refused: x is not a loaded interposer",
        );
        assert_eq!(
            line(7, None, &words("start x"), &Err(refused)),
            "preloadctl[7]: user=? start x: failed (exit 9): start x refused: x is not a loaded interposer"
        );
    }

    #[test]
    fn odd_words_are_quoted_and_nothing_breaks_the_line() {
        let odd = vec![
            "apply".to_owned(),
            "my file.conf".to_owned(),
            "a\nb".to_owned(),
        ];
        let multi = Error::new(Exit::Kernel, "first\nsecond\x1b[31m");
        assert_eq!(
            line(1, Some("0"), &odd, &Err(multi)),
            "preloadctl[1]: user=0 apply \"my file.conf\" \"a\\nb\": failed (exit 9): first"
        );
        let long = vec!["apply".to_owned(), "x".repeat(5000)];
        let cut = line(1, Some("0"), &long, &Ok(Exit::Ok));
        assert!(cut.len() <= LINE_MAX, "{}", cut.len());
        assert!(cut.ends_with("...: ok"), "{cut}");
        assert_eq!(printable("a\x1bb"), "a\\u{1b}b");
    }
}
