//! `preloadctl check`: every problem of the config, as `file:line: reason`.

use crate::config::{self, Config, Diagnostic};
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::modules::Installed;
use preload_deps::Name;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

    for finding in &findings {
        eprintln!("{finding}");
    }
    let errors = findings.iter().filter(|f| !f.warning).count();
    let warnings = findings.len() - errors;
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

/// Names each module that is not installed, once, at the first line naming
/// it. With `strict` these are errors, except for modules only ever named as
/// optional dependencies, which are allowed to be missing.
pub fn missing_modules(
    config: &Config,
    installed: &Installed,
    modules_dir: &Path,
    strict: bool,
) -> Vec<Diagnostic> {
    // For each missing module: where it is first named, and whether it is required.
    let mut missing: BTreeMap<Name, (u32, bool)> = BTreeMap::new();
    for edge in config.list().edges() {
        for (name, required) in [(edge.consumer, true), (edge.dep, !edge.optional)] {
            if installed.file(name.as_str()).is_none() {
                let entry = missing.entry(name).or_insert((edge.seq, required));
                entry.0 = entry.0.min(edge.seq);
                entry.1 |= required;
            }
        }
    }
    let mut missing: Vec<_> = missing.into_iter().collect();
    missing.sort_by_key(|&(_, (seq, _))| seq);
    missing
        .into_iter()
        .map(|(name, (seq, required))| Diagnostic {
            place: config.place_of(seq),
            warning: !strict || !required,
            reason: format!(
                "{} {name} is not installed under {}",
                if required {
                    "module"
                } else {
                    "optional dependency"
                },
                modules_dir.display()
            ),
        })
        .collect()
}
