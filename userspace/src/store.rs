//! Where the list is kept and how it is written: the live list in
//! `/proc/preload/deps` (parsed, replaced, read back), and the files
//! preloadctl keeps, each written atomically (the history of the live list
//! is `history.rs`). The command folders share these; nothing here knows a
//! command.

use crate::config::{self, Config};
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::output::note;
use crate::procfs::Proc;
use std::fs;
use std::path::{Path, PathBuf};

/// Parses the live list; the kernel prints it canonical, so this only fails
/// if the kernel and preloadctl disagree on the grammar.
pub fn live_list(proc: &Proc, text: &str) -> Result<Config, Error> {
    config::parse(&proc.deps_path(), text.as_bytes())
        .into_valid()
        .map_err(|e| Error::with_details(Exit::Kernel, "the live list does not parse", e.details))
}

/// Picks the list that `explain` and `abi snapshot` read: FILEs if given,
/// else the live list if it can be read, else the config. Returns it and a
/// description.
pub fn choose_list(ctx: &Context, files: Vec<PathBuf>) -> Result<(Config, String), Error> {
    if files.is_empty() && ctx.proc.preload_loaded() {
        if let Ok(text) = ctx.proc.read_deps() {
            let source = format!("the live list, {}", ctx.proc.deps_path().display());
            return Ok((live_list(&ctx.proc, &text)?, source));
        }
    }
    let sources = ctx.sources(files)?;
    let loaded = config::load(&sources);
    for error in &loaded.errors {
        note!("{error}");
    }
    let names: Vec<String> = sources.iter().map(|p| p.display().to_string()).collect();
    let source = match names.as_slice() {
        [] => "an empty list (no config files found)".to_owned(),
        _ => format!("the config, {}", names.join(" ")),
    };
    Ok((loaded.config, source))
}

/// Writes `text` to `path` through a temporary file and a rename, creating
/// the directory if needed.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, &e))?;
    }
    let temp = path.with_extension("tmp");
    fs::write(&temp, text).map_err(|e| Error::io("cannot write", &temp, &e))?;
    fs::rename(&temp, path).map_err(|e| Error::io("cannot rename into place", path, &e))
}

/// Replaces the live list with `new` and reads it back. On any failure the
/// live list is `previous` again.
pub fn replace_verified(proc: &Proc, new: &str, previous: &str) -> Result<(), Error> {
    let result = proc.write_deps(new).and_then(|()| verify(proc, new));
    if result.is_err() && proc.read_deps().ok().as_deref() != Some(previous) {
        // Best effort: the first error is the one to report.
        let _ = proc.write_deps(previous);
    }
    result
}

/// Reads the live list back and fails unless it is `expected`.
pub fn verify(proc: &Proc, expected: &str) -> Result<(), Error> {
    let live = proc.read_deps()?;
    if live == expected {
        return Ok(());
    }
    Err(Error::new(
        Exit::Kernel,
        format!(
            "{} reads back differently from what was written:\nexpected:\n{expected}live:\n{live}",
            proc.deps_path().display()
        ),
    ))
}
