//! `preloadctl doctor`: checks the machine for what preload needs and
//! reports each finding with its severity and the command that fixes it.
//!
//! `kernel.rs` checks the kernels: the running one's release and config,
//! Secure Boot, a signed `preload.ko` for every installed kernel, the
//! headers `abi` reads. `setup.rs` checks what is set up on top: preload
//! loaded, the config, files at the old paths, the boot unit, the live
//! list against the config.
//!
//! Each check catches its own failures and reports them as findings, so
//! that one unreadable file never hides the rest. Uses `list/` (`check`'s
//! parse, `apply --dry-run`'s difference, `migrate`'s plan).

mod kernel;
mod setup;

use crate::context::Context;
use crate::error::{Error, Exit};
use serde_json::{json, Value};
use std::fmt;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Fine, or a note.
    Ok,
    /// Works now, but something is or may be wrong.
    Warning,
    /// preload does not work, or will not after a reboot.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Ok => "ok",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One thing doctor found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Which check found it: `kernel-release`, `module`, `config`, ...
    pub check: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// What it found.
    pub message: String,
    /// What fixes it, for warnings and errors.
    pub fix: Option<String>,
}

impl Finding {
    /// A finding that needs nothing done.
    fn ok(check: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            check,
            severity: Severity::Ok,
            message: message.into(),
            fix: None,
        }
    }

    /// A warning, and what fixes it.
    fn warning(check: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            check,
            severity: Severity::Warning,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }

    /// An error, and what fixes it.
    fn error(check: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Error,
            ..Finding::warning(check, message, fix)
        }
    }

    /// The same finding with another severity.
    fn with_severity(self, severity: Severity) -> Finding {
        Finding { severity, ..self }
    }

    /// An error that stopped a check: it cannot tell.
    fn failed(check: &'static str, e: &Error) -> Finding {
        let fix = match e.exit {
            Exit::Permission => "run preloadctl doctor as root",
            _ => "make it readable, then run preloadctl doctor again",
        };
        Finding::warning(check, format!("cannot tell: {e}"), fix)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.message)?;
        match &self.fix {
            Some(fix) => write!(f, ": fix: {fix}"),
            None => Ok(()),
        }
    }
}

/// Checks the machine, prints every finding (or them all as JSON) and
/// exits by the worst: 0 if all are ok, 10 for warnings, 11 for errors.
pub fn run(ctx: &Context, json: bool) -> Result<Exit, Error> {
    let findings = examine(ctx);
    if json {
        println!("{}", to_json(&findings));
    } else {
        print!("{}", to_text(&findings));
    }
    Ok(exit(&findings))
}

/// Runs every check, in the order they are printed.
fn examine(ctx: &Context) -> Vec<Finding> {
    let setup = setup::Setup::read(ctx);
    let mut findings = kernel::check(ctx, setup.loaded);
    findings.extend(setup.check(ctx));
    findings
}

fn exit(findings: &[Finding]) -> Exit {
    match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Error) => Exit::DoctorErrors,
        Some(Severity::Warning) => Exit::DoctorWarnings,
        _ => Exit::Ok,
    }
}

fn to_text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&format!("{finding}\n"));
    }
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    out.push_str(&format!(
        "doctor: errors: {}, warnings: {}, ok: {}\n",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Ok)
    ));
    out
}

fn to_json(findings: &[Finding]) -> Value {
    findings
        .iter()
        .map(|f| {
            json!({"check": f.check, "severity": f.severity.to_string(),
                   "message": f.message, "fix": f.fix})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_finding_sets_the_exit_code() {
        let ok = Finding::ok("a", "fine");
        let warning = Finding::warning("b", "hm", "do x");
        let error = Finding::error("c", "bad", "do y");
        assert_eq!(exit(&[]), Exit::Ok);
        assert_eq!(exit(std::slice::from_ref(&ok)), Exit::Ok);
        assert_eq!(exit(&[ok.clone(), warning.clone()]), Exit::DoctorWarnings);
        assert_eq!(exit(&[error.clone(), warning.clone()]), Exit::DoctorErrors);
        assert_eq!(
            to_text(&[ok, warning, error]),
            "ok: fine\nwarning: hm: fix: do x\nerror: bad: fix: do y\n\
             doctor: errors: 1, warnings: 1, ok: 1\n"
        );
    }

    #[test]
    fn json_is_an_array_of_findings() {
        let value = to_json(&[Finding::ok("a", "fine"), Finding::error("c", "bad", "do y")]);
        assert_eq!(
            value,
            json!([
                {"check": "a", "severity": "ok", "message": "fine", "fix": null},
                {"check": "c", "severity": "error", "message": "bad", "fix": "do y"},
            ])
        );
    }
}
