//! `preloadctl apply`: replacing the live list in one update, recording the
//! list it replaced and the one it wrote in the history (see `history.rs`),
//! from which `rollback` goes back.

use crate::config;
use crate::context::Context;
use crate::diff;
use crate::error::{Error, Exit};
use crate::history::{source_names, Recorder};
use crate::store::{live_list, replace_verified};
use std::path::PathBuf;

/// Applies `files` (or the config), or with `dry_run` shows what would change.
pub fn apply(ctx: &Context, files: Vec<PathBuf>, dry_run: bool) -> Result<Exit, Error> {
    let sources = ctx.sources(files)?;
    let config = config::load(&sources).into_valid()?;
    // An empty list needs no preload: the boot unit, on a kernel without
    // preload.ko, fails only when a list is configured.
    if config.entries() == 0 && !ctx.proc.preload_loaded() {
        println!("nothing to apply: no list is configured, and preload is not loaded");
        return Ok(Exit::Ok);
    }
    ctx.proc.require_preload()?;
    let live_text = ctx.proc.read_deps()?;
    let live = live_list(&ctx.proc, &live_text)?;
    let new_text = config.canonical();

    if dry_run {
        diff::print(&live.list(), &config.list());
        return Ok(Exit::Ok);
    }
    if live_text == new_text {
        println!("unchanged (entries: {})", config.entries());
        return Ok(Exit::Ok);
    }
    let recorder = Recorder::begin(ctx, &live_text)?;
    replace_verified(&ctx.proc, &new_text, &live_text)?;
    let names = source_names(&sources);
    let recorded = recorder.finish("apply", String::new(), names, &new_text, false)?;
    println!(
        "applied (entries: {}, files: {}); {recorded}",
        config.entries(),
        sources.len(),
    );
    Ok(Exit::Ok)
}
