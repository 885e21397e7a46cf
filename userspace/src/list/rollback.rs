//! `preloadctl rollback [--to N] [--dry-run]`: undo the last commit (see
//! `rollout/commit.rs`), or put an earlier list of the history back.

use crate::config;
use crate::context::Context;
use crate::diff;
use crate::error::{Error, Exit};
use crate::history::{History, Recorder};
use crate::output::note;
use crate::store::replace_verified;

/// Without `to`: undoes the last commit if its record is there, else
/// restores the list from before the last change (see
/// [`History::rollback_target`]). With `to`: restores entry `to`'s list.
/// With `dry_run`: says what it would do and changes nothing.
pub fn run(ctx: &Context, to: Option<u64>, dry_run: bool) -> Result<Exit, Error> {
    match to {
        None => {
            if let Some(exit) = crate::rollout::commit::rollback(ctx, dry_run)? {
                return Ok(exit);
            }
        }
        Some(_) => {
            if let Some(name) = crate::rollout::commit::committed(ctx)? {
                note!(
                    "preloadctl: note: the commit of {name} is not rolled back: --to restores \
                     a list only, its modules and list files stay (`preloadctl rollback` \
                     without --to undoes it)"
                );
            }
        }
    }
    let history = History::open(ctx)?;
    ctx.proc.require_preload()?;
    let live = ctx.proc.read_deps()?;
    let target = match to {
        Some(number) => history
            .get(number)
            .ok_or_else(|| no_entry(&history, number))?,
        None => {
            let replaced = history.judge(ctx, &live)?;
            history
                .rollback_target(&live, replaced)?
                .ok_or_else(|| nothing_to_roll_back_to(&history))?
        }
    };
    let path = history.list_path(target);
    let text = history.list(target)?;
    let restored = config::parse(&path, text.as_bytes()).into_valid()?;
    let new_text = restored.canonical();
    let what = format!(
        "history entry {} ({}, {}, entries: {})",
        target.number,
        target.command,
        target.when(),
        restored.entries()
    );

    if dry_run {
        println!("would restore {what}:");
        diff::print_texts(&ctx.proc.deps_path(), &live, &path, &new_text)?;
        println!("dry run: nothing was changed");
        return Ok(Exit::Ok);
    }
    if new_text == live {
        println!("unchanged: the list of {what} is live already");
        return Ok(Exit::Ok);
    }
    let number = target.number;
    let recorder = Recorder::begin(ctx, &live)?;
    replace_verified(&ctx.proc, &new_text, &live)?;
    let recorded = recorder.finish(
        crate::history::ROLLBACK,
        format!("to entry {number}"),
        Vec::new(),
        &new_text,
        false,
    )?;
    println!("restored {what}; {recorded}");
    Ok(Exit::Ok)
}

fn no_entry(history: &History, number: u64) -> Error {
    let holds = match (history.entries().first(), history.newest()) {
        (Some(first), Some(last)) => {
            format!("it holds entries {} to {}", first.number, last.number)
        }
        _ => "it is empty".to_owned(),
    };
    Error::new(
        Exit::System,
        format!(
            "no entry {number} in the history ({}: {holds}; `preloadctl history` lists them)",
            history.dir().display()
        ),
    )
}

fn nothing_to_roll_back_to(history: &History) -> Error {
    let why = match history.newest() {
        None => "the history is empty".to_owned(),
        Some(newest) => format!("the history has no list before entry {}", newest.number),
    };
    Error::new(
        Exit::System,
        format!(
            "nothing to roll back to: {why} ({})",
            history.dir().display()
        ),
    )
}
