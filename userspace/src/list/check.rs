//! `preloadctl check`: every problem of the config, as `file:line: reason`.

use crate::config::{self, missing_modules};
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::modules::Installed;
use crate::output;
use std::path::PathBuf;

/// Checks `files` (or the config) and prints what is wrong with them.
pub fn run(ctx: &Context, files: Vec<PathBuf>, strict: bool) -> Result<Exit, Error> {
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
        return Ok(Exit::Invalid);
    }
    println!(
        "ok (entries: {}, warnings: {warnings}, files: {files})",
        loaded.config.entries()
    );
    Ok(Exit::Ok)
}
