//! The ABI check `prepare` runs on the modules it stages: would each one
//! load on the running kernel? Each symbol it imports must be exported by
//! the kernel (`Module.symvers`), by a module it depends on, or by another
//! staged module, and GPL-only and namespaced exports must be usable by it.
//! CRCs are not compared (a staged module's `__versions` is not read; with
//! `MODVERSIONS` the kernel refuses a mismatch at load).

use super::compare::gpl_compatible;
use super::kernel::{Exports, Kernel};
use super::ko::ModuleFile;
use crate::context::Context;
use crate::error::Error;
use std::collections::HashMap;
use std::path::PathBuf;

/// What the check found.
pub enum Verdict {
    /// The check ran: each break as (module, why).
    Checked(Vec<(String, String)>),
    /// It could not run (no `Module.symvers`): why.
    NotChecked(String),
}

/// Checks the staged module files `modules` (name, path) against the
/// running kernel.
pub fn check(ctx: &Context, modules: &[(String, PathBuf)]) -> Result<Verdict, Error> {
    if modules.is_empty() {
        return Ok(Verdict::Checked(Vec::new()));
    }
    let kernel = match Kernel::running(ctx, None) {
        Ok(kernel) => kernel,
        Err(e) => return Ok(Verdict::NotChecked(e.to_string())),
    };
    let mut breaks = Vec::new();
    let mut files = Vec::new();
    for (name, path) in modules {
        match ModuleFile::read(path) {
            Ok(file) => files.push((name, file)),
            Err(e) => breaks.push((name.clone(), format!("{name}: not a module file: {e}"))),
        }
    }
    let staged: HashMap<&str, &str> = files
        .iter()
        .flat_map(|(name, f)| f.exports.keys().map(move |s| (s.as_str(), name.as_str())))
        .collect();
    for (name, file) in &files {
        let license = file.license();
        let import_ns = file.import_ns();
        for symbol in &file.undefined {
            if staged.contains_key(symbol.as_str()) {
                continue;
            }
            let Some(export) = kernel.export(symbol, &file.depends())? else {
                breaks.push((
                    name.to_string(),
                    format!(
                        "{name} imports {symbol}, which the running kernel {} does not export",
                        kernel.release
                    ),
                ));
                continue;
            };
            if export.gpl && !gpl_compatible(&license) {
                breaks.push((
                    name.to_string(),
                    format!(
                        "{name} (license {license:?}) imports {symbol}, which {} exports GPL-only",
                        export.module
                    ),
                ));
            }
            let ns = &export.namespace;
            let named = ns.strip_prefix("module:").is_some_and(|list| {
                list.split(',')
                    .any(|m| crate::modules::canonical(m) == name.as_str())
            });
            if !ns.is_empty() && !import_ns.contains(ns) && !named {
                breaks.push((
                    name.to_string(),
                    format!("{name} imports {symbol} of namespace {ns}, which it does not import"),
                ));
            }
        }
    }
    Ok(Verdict::Checked(breaks))
}
