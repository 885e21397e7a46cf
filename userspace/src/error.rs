//! Errors as values, each with the exit code it ends the program with.

use std::fmt;
use std::io;
use std::path::Path;
use std::process::ExitCode;

/// The exit codes; they are part of the interface and stay stable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// The config is invalid (or, with `--strict`, has warnings): nothing was changed.
    Invalid = 1,
    /// Bad command line (clap's own code).
    Usage = 2,
    /// preload is not loaded (`status` says so with it too).
    NotLoaded = 3,
    /// Permission denied: root (CAP_SYS_MODULE) is needed.
    Permission = 4,
    /// Any other failure: an I/O error, no saved list to roll back to, a
    /// file `migrate` finds at both its old and its new place.
    System = 5,
    /// `abi check`: a symbol an interposer or consumer uses breaks on the
    /// target kernel.
    Breaks = 6,
    /// `prepare`: the change was vetoed (a bad bundle, a tampered file, a
    /// list that does not check, a loaded consumer, a hook, an ABI break).
    Vetoed = 7,
    /// `swap`: the consumers moved to NEW, but OLD is still quiescing (a
    /// call is still inside it: `--timeout` ran out, or a signal ended the
    /// wait); `quiesce OLD` finishes it.
    Quiescing = 8,
    /// The kernel refused the request, or would (preloadctl checks what it
    /// can first): a list, a swap, a lifecycle transition, `rmmod` or
    /// `modprobe`; `explain`: loading the module would fail.
    Kernel = 9,
    /// `doctor`: it found warnings, and no errors.
    DoctorWarnings = 10,
    /// `doctor`: it found errors.
    DoctorErrors = 11,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// The text for `--help`, listing the exit codes.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  the config is invalid (with --strict: or has warnings); nothing was changed
  2  bad command line
  3  preload is not loaded (status too)
  4  permission denied: root (CAP_SYS_MODULE) is needed
  5  other failure (I/O error, no saved list to roll back to, no Module.symvers,
     a file migrate finds at both its old and its new place)
  6  abi check: a symbol an interposer or consumer uses breaks on the target kernel
  7  prepare: the change was vetoed (the reasons are printed; --json for machines)
  8  swap: the consumers moved to NEW, but OLD is still quiescing (a call is still
     inside it: --timeout ran out, or SIGINT/SIGTERM ended the wait); run
     `preloadctl quiesce OLD` to finish it
  9  the kernel refused the request, or would (checked first): a list, a swap, a
     lifecycle transition, rmmod or modprobe (restart); explain: loading the
     module would fail
  10  doctor: it found warnings (and no errors)
  11  doctor: it found errors";

/// A failure reported to the user: one message and an exit code.
#[derive(Debug)]
pub struct Error {
    /// How the program ends.
    pub exit: Exit,
    message: String,
    /// Lines printed before the message, such as `file:line: reason`.
    pub details: Vec<String>,
}

impl Error {
    /// A failure with the given exit code.
    pub fn new(exit: Exit, message: impl Into<String>) -> Error {
        Error {
            exit,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// A failure explained by `details`, printed one a line before it.
    pub fn with_details(exit: Exit, message: impl Into<String>, details: Vec<String>) -> Error {
        Error {
            details,
            ..Error::new(exit, message)
        }
    }

    /// An I/O failure on `path` while doing `what` (e.g. "cannot read").
    pub fn io(what: &str, path: &Path, err: &io::Error) -> Error {
        let path = path.display();
        match err.kind() {
            io::ErrorKind::PermissionDenied => Error::new(
                Exit::Permission,
                format!(
                    "{path}: {what}: permission denied (run as root; preload needs CAP_SYS_MODULE)"
                ),
            ),
            _ => Error::new(Exit::System, format!("{path}: {what}: {}", describe(err))),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Describes an I/O error without Rust's "(os error N)" suffix.
pub fn describe(err: &io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_stable_and_in_the_help() {
        let all = [
            Exit::Ok,
            Exit::Invalid,
            Exit::Usage,
            Exit::NotLoaded,
            Exit::Permission,
            Exit::System,
            Exit::Breaks,
            Exit::Vetoed,
            Exit::Quiescing,
            Exit::Kernel,
            Exit::DoctorWarnings,
            Exit::DoctorErrors,
        ];
        for (code, exit) in all.into_iter().enumerate() {
            assert_eq!(exit as usize, code, "{exit:?}");
            assert!(
                EXIT_CODES_HELP.contains(&format!("\n  {code}  ")),
                "{exit:?}"
            );
        }
    }
}
