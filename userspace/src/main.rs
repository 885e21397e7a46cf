//! preloadctl: checks and applies the preload dependency list kept under
//! `/etc`, like `modprobe.d` and `modprobe -c` do for modprobe.

mod apply;
mod check;
mod cli;
mod config;
mod context;
mod diff;
mod error;
mod explain;
mod modules;
mod procfs;
mod reload;
mod status;

use clap::Parser;
use cli::{Cli, Command};
use context::Context;
use error::{Error, Exit};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(e) => {
            for line in &e.details {
                eprintln!("{line}");
            }
            eprintln!("preloadctl: {e}");
            e.exit.into()
        }
    }
}

fn run(cli: Cli) -> Result<Exit, Error> {
    let ctx = Context::new(cli.paths);
    match cli.command {
        Command::Check { strict, files } => check::run(&ctx, files, strict),
        Command::Apply { dry_run, files } => apply::apply(&ctx, files, dry_run),
        Command::Rollback => apply::rollback(&ctx),
        Command::Reload { files } => reload::run(&ctx, files),
        Command::Status { json } => status::run(&ctx, json),
        Command::Explain { module, files } => explain::run(&ctx, &module, files),
    }
}
