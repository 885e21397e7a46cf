//! `preloadctl history [--json]`: the history of the live list (see
//! `history.rs`), newest first, and which entry is live.

use crate::context::Context;
use crate::error::{Error, Exit};
use crate::history::{Entry, History};
use serde_json::{json, Value};

/// Prints the history.
pub fn run(ctx: &Context, json: bool) -> Result<Exit, Error> {
    let history = History::open(ctx)?;
    // Reading the live list needs root; the history does not.
    let live = match ctx.proc.preload_loaded() {
        false => Err("preload is not loaded".to_owned()),
        true => ctx.proc.read_deps().map_err(|e| e.to_string()),
    };
    let live_entry = match &live {
        Ok(text) => history.live_entry(text)?.map(|e| e.number),
        Err(_) => None,
    };
    let entries: Vec<&Entry> = history.entries().iter().rev().collect();
    if json {
        let rows: Vec<Value> = entries
            .iter()
            .map(|e| {
                json!({
                    "number": e.number,
                    "time": e.when(),
                    "command": e.command,
                    "detail": e.detail,
                    "sources": e.sources,
                    "entries": e.entries,
                    "live": Some(e.number) == live_entry,
                    "replaced": e.replaced,
                    "replaced_boot_list": e.replaced_boot_list,
                    "file": history.list_path(e),
                })
            })
            .collect();
        let out = json!({
            "dir": history.dir(),
            "live": live_entry,
            "live_known": live.is_ok(),
            "entries": rows,
        });
        println!("{out}");
        return Ok(Exit::Ok);
    }
    if entries.is_empty() {
        println!("the history is empty ({})", history.dir().display());
        return Ok(Exit::Ok);
    }
    let number_width = entries
        .iter()
        .map(|e| e.number.to_string().len())
        .max()
        .unwrap_or(0)
        .max(1);
    let command_width = entries
        .iter()
        .map(|e| e.command.len())
        .max()
        .unwrap_or(0)
        .max(7);
    println!(
        "  {:>number_width$}  {:<20}  {:<command_width$}  {:>7}  WHAT",
        "N", "TIME", "COMMAND", "ENTRIES"
    );
    for entry in &entries {
        let mark = if Some(entry.number) == live_entry {
            '*'
        } else {
            ' '
        };
        println!(
            "{mark} {:>number_width$}  {:<20}  {:<command_width$}  {:>7}  {}",
            entry.number,
            entry.when(),
            entry.command,
            entry.entries,
            entry.what()
        );
    }
    match (live, live_entry) {
        (_, Some(number)) => println!("live: entry {number} (*)"),
        (Ok(_), None) => println!(
            "live: no entry (the live list was written outside preloadctl, or is the list \
             preload read at boot)"
        ),
        (Err(why), None) => println!("live: unknown ({why})"),
    }
    Ok(Exit::Ok)
}
