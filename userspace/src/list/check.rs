//! `preloadctl check`: every problem of the config, as `file:line: reason`
//! (or as JSON).

use crate::config::{self, missing_modules, Diagnostic};
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::modules::Installed;
use crate::output;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Checks `files` (or the config) and prints what is wrong with them.
pub fn run(ctx: &Context, files: Vec<PathBuf>, strict: bool, json: bool) -> Result<Exit, Error> {
    let sources = ctx.sources(files)?;
    let loaded = config::load(&sources);
    let modules_dir = ctx.modules_dir()?;
    let installed = Installed::scan(&modules_dir)?;
    let mut findings = loaded.errors;
    findings.extend(missing_modules(
        &loaded.config,
        &installed,
        &modules_dir,
        strict,
    ));

    let errors = findings.iter().filter(|f| !f.warning).count();
    let warnings = findings.len() - errors;
    let exit = if errors > 0 { Exit::Invalid } else { Exit::Ok };
    if json {
        let files: Vec<String> = sources.iter().map(|p| p.display().to_string()).collect();
        let out = json!({
            "ok": errors == 0,
            "entries": loaded.config.entries(),
            "files": files,
            "errors": errors,
            "warnings": warnings,
            "findings": findings.iter().map(finding_json).collect::<Vec<_>>(),
        });
        println!("{out}");
        return Ok(exit);
    }
    // With --quiet, warnings are printed only to explain a failure.
    if errors > 0 || !output::quiet() {
        for finding in &findings {
            eprintln!("{finding}");
        }
    }
    let files = sources.len();
    if errors > 0 {
        eprintln!(
            "preloadctl: check failed (errors: {errors}, warnings: {warnings}, files: {files})"
        );
        return Ok(exit);
    }
    println!(
        "ok (entries: {}, warnings: {warnings}, files: {files})",
        loaded.config.entries()
    );
    Ok(exit)
}

/// One finding: `{"file", "line", "warning", "reason"}` (`line` 0: the
/// whole file).
fn finding_json(finding: &Diagnostic) -> Value {
    json!({
        "file": finding.place.file.display().to_string(),
        "line": finding.place.line,
        "warning": finding.warning,
        "reason": finding.reason,
    })
}
