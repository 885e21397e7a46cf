//! The module tools `commit`, `rollback`, `restart` and `stop` run: `depmod`, `rmmod`,
//! `modprobe`. Each can be replaced by a command in `PRELOADCTL_DEPMOD`,
//! `PRELOADCTL_RMMOD` or `PRELOADCTL_MODPROBE` (words split at spaces, the
//! arguments appended), for tests and for hosts where they live elsewhere.

use crate::error::describe;
use std::path::Path;
use std::process::Command;

/// Runs `tool` (or its replacement) with `args`; on failure returns what it said.
pub fn run(tool: &str, args: &[&str]) -> Result<(), String> {
    let replacement = std::env::var(format!("PRELOADCTL_{}", tool.to_uppercase())).ok();
    let mut words: Vec<String> = match replacement.as_deref().map(str::trim) {
        Some(command) if !command.is_empty() => {
            command.split_whitespace().map(str::to_owned).collect()
        }
        _ => vec![tool.to_owned()],
    };
    words.extend(args.iter().map(|a| (*a).to_owned()));
    let command = words.join(" ");
    let output = Command::new(&words[0])
        .args(&words[1..])
        .output()
        .map_err(|e| format!("cannot run `{command}`: {}", describe(&e)))?;
    if output.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&output.stderr);
    Err(format!(
        "`{command}` failed ({}): {}",
        output.status,
        said.trim()
    ))
}

/// Runs `depmod -a RELEASE` for the modules directory `dir`
/// (`[ROOT]/lib/modules/RELEASE`), with `-b ROOT` unless the root is `/`.
pub fn depmod(dir: &Path) -> Result<(), String> {
    let release = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let root = dir
        .parent()
        .filter(|p| p.ends_with("lib/modules"))
        .and_then(|p| p.parent())
        .and_then(Path::parent)
        .map(|r| r.display().to_string())
        .filter(|r| !r.is_empty() && r != "/");
    match &root {
        Some(root) => run("depmod", &["-b", root, "-a", &release]),
        None => run("depmod", &["-a", &release]),
    }
}
