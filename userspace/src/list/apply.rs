//! `preloadctl apply` and `rollback`: replacing the live list in one update,
//! keeping the list it replaced as the last-known-good one; `rollback` also
//! undoes a `commit` (see `rollout/commit.rs`).

use super::diff::diff;
use crate::config;
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::store::{live_list, replace_verified, save_last_good};
use std::fs;
use std::io;
use std::path::PathBuf;

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
    if let Some(exit) = crate::rollout::commit::rollback(ctx)? {
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
