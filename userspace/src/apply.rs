//! `preloadctl apply` and `rollback`: replacing the live list in one update,
//! keeping the list it replaced as the last-known-good one; `rollback` also
//! undoes a `commit` (see `commit.rs`).

use crate::config::{self, Config};
use crate::context::Context;
use crate::diff::diff;
use crate::error::{Error, Exit};
use crate::procfs::Proc;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Applies `files` (or the config), or with `dry_run` shows what would change.
pub fn apply(ctx: &Context, files: Vec<PathBuf>, dry_run: bool) -> Result<Exit, Error> {
    let sources = ctx.sources(files)?;
    let config = config::load(&sources).into_valid()?;
    ctx.proc.require_preload()?;
    let live_text = ctx.proc.read_deps()?;
    let live = live_list(&ctx.proc, &live_text)?;
    let new_text = config.canonical();

    if dry_run {
        let changes = diff(&live.list(), &config.list());
        if changes.is_empty() {
            println!("no changes");
        }
        for change in changes {
            println!("{change}");
        }
        return Ok(Exit::Ok);
    }
    if live_text == new_text {
        println!("unchanged (entries: {})", config.entries());
        return Ok(Exit::Ok);
    }
    save_last_good(ctx, &live_text)?;
    replace_verified(&ctx.proc, &new_text, &live_text)?;
    println!(
        "applied (entries: {}, files: {}); the previous list is saved in {}",
        config.entries(),
        sources.len(),
        ctx.last_good().display()
    );
    Ok(Exit::Ok)
}

/// Undoes the last commit if its record is there (see `commit`), else puts
/// the last-known-good list back.
pub fn rollback(ctx: &Context) -> Result<Exit, Error> {
    if let Some(exit) = crate::commit::rollback(ctx)? {
        return Ok(exit);
    }
    let path = ctx.last_good();
    let saved = match fs::read(&path) {
        Ok(saved) => saved,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::new(
                Exit::System,
                format!("nothing to roll back to: {} does not exist", path.display()),
            ))
        }
        Err(e) => return Err(Error::io("cannot read", &path, &e)),
    };
    let saved = config::parse(&path, &saved).into_valid()?;
    ctx.proc.require_preload()?;
    let live_text = ctx.proc.read_deps()?;
    replace_verified(&ctx.proc, &saved.canonical(), &live_text)?;
    println!(
        "restored {} entries from {}",
        saved.entries(),
        path.display()
    );
    Ok(Exit::Ok)
}

/// Parses the live list; the kernel prints it canonical, so this only fails
/// if the kernel and preloadctl disagree on the grammar.
pub fn live_list(proc: &Proc, text: &str) -> Result<Config, Error> {
    config::parse(&proc.deps_path(), text.as_bytes())
        .into_valid()
        .map_err(|e| Error::with_details(Exit::Kernel, "the live list does not parse", e.details))
}

/// Saves the live list as the last-known-good one, atomically.
pub fn save_last_good(ctx: &Context, live_text: &str) -> Result<(), Error> {
    write_atomically(&ctx.last_good(), live_text)
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
