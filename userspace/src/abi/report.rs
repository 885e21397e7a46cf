//! The last check's report, `abi/REPORT` under the state directory, which
//! the kernel postinst hook has `abi check --report` write and `status`
//! shows: `key: value` header lines, a blank line, then the table.
//!
//! ```text
//! # preloadctl abi check report, format 1
//! verdict: breaks
//! kernel: 7.3.5-amd64
//! baseline: 7.3.4-amd64
//! date: 2025-11-29T14:35:00Z
//! breaking: 2
//! warnings: 1
//!
//! MODULE ...
//! ```

use crate::error::Error;
use crate::store::write_atomically;
use std::fs;
use std::io;
use std::path::Path;

/// The first line of every report.
pub const HEADER: &str = "# preloadctl abi check report, format 1";

/// The header fields `status` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// `ok`, `warnings`, `breaks` or `error`.
    pub verdict: String,
    /// The target kernel.
    pub kernel: String,
    /// When the check ran.
    pub date: String,
    /// How many findings break a module.
    pub breaking: String,
    /// How many findings are warnings.
    pub warnings: String,
}

/// Writes a report with `fields` (in order) and `body`.
pub fn write(path: &Path, fields: &[(&str, String)], body: &str) -> Result<(), Error> {
    let mut text = format!("{HEADER}\n");
    for (key, value) in fields {
        text.push_str(&format!("{key}: {value}\n"));
    }
    text.push('\n');
    text.push_str(body);
    write_atomically(path, &text)
}

/// Reads the verdict of the report at `path`, `None` if there is none.
pub fn read(path: &Path) -> Result<Option<Verdict>, Error> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("cannot read", path, &e)),
    };
    let mut verdict = Verdict::default();
    for line in text.lines().take_while(|l| !l.is_empty()) {
        let Some((key, value)) = line.split_once(": ") else {
            continue;
        };
        let value = value.to_owned();
        match key {
            "verdict" => verdict.verdict = value,
            "kernel" => verdict.kernel = value,
            "date" => verdict.date = value,
            "breaking" => verdict.breaking = value,
            "warnings" => verdict.warnings = value,
            _ => {}
        }
    }
    Ok((!verdict.verdict.is_empty()).then_some(verdict))
}

/// The time now, UTC, as RFC 3339 (`2025-11-29T14:35:00Z`).
pub fn now_utc() -> String {
    crate::clock::now_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abi/REPORT");
        assert_eq!(read(&path).unwrap(), None);
        write(
            &path,
            &[
                ("verdict", "breaks".into()),
                ("kernel", "7.3.5".into()),
                ("date", "2025-11-29T14:35:00Z".into()),
                ("breaking", "2".into()),
                ("warnings", "0".into()),
            ],
            "MODULE: x\n",
        )
        .unwrap();
        let verdict = read(&path).unwrap().unwrap();
        assert_eq!(
            (verdict.verdict.as_str(), verdict.kernel.as_str()),
            ("breaks", "7.3.5")
        );
        assert_eq!(verdict.breaking, "2");
    }
}
