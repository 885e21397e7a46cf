//! preloadctl: checks and applies the preload dependency list kept under
//! `/etc`, like `modprobe.d` and `modprobe -c` do for modprobe.
//!
//! Imports go one way, down: this file and `cli.rs` (the options) on top;
//! under them one folder per job, `list/`, `rollout/`, `lifecycle/` and
//! `abi/`; at the bottom the files the jobs share: `config.rs`,
//! `context.rs`, `error.rs`, `modules.rs`, `procfs.rs`, `store.rs`,
//! `tools.rs` and `sys.rs`. Between the folders: `list/` uses `rollout/`
//! (rollback undoes a commit) and `abi/` (status shows the last report),
//! `rollout/` uses `abi/` (prepare checks the staged modules); nothing
//! goes back up.
//!
//! `doctor/` checks the machine for what preload needs; it uses `list/`
//! (the difference of two lists, migrate's plan) and, at the bottom,
//! `kernels.rs`: the installed kernels and their preload.ko, which
//! `status` lists too.
//!
//! `unsafe` code lives only in `sys.rs`: Cargo.toml denies the
//! `unsafe_code` lint and `mod sys` alone allows it.

mod abi;
mod cli;
mod config;
mod context;
mod doctor;
mod error;
mod kernels;
mod lifecycle;
mod list;
mod modules;
mod procfs;
mod rollout;
mod store;
#[allow(unsafe_code)]
mod sys;
mod tools;

use clap::Parser;
use cli::{AbiCommand, Cli, Command};
use error::{Error, Exit};
use lifecycle::transition::Request;
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
    let ctx = context::Context::new(cli.root);
    match cli.command {
        Command::Check { strict, files } => list::check::run(&ctx, files, strict),
        Command::Apply { dry_run, files } => list::apply::apply(&ctx, files, dry_run),
        Command::Rollback => list::apply::rollback(&ctx),
        Command::Prepare {
            json,
            reload_consumers,
            bundle,
        } => rollout::stage::prepare(
            &ctx,
            &rollout::stage::Options {
                bundle,
                json,
                reload_consumers,
            },
        ),
        Command::Commit => rollout::commit::run(&ctx),
        Command::Abort => rollout::stage::abort(&ctx),
        Command::Reload { files } => list::reload::run(&ctx, files),
        Command::Status { json } => list::status::run(&ctx, json),
        Command::Migrate { dry_run } => list::migrate::run(&ctx, dry_run),
        Command::Swap {
            force,
            timeout,
            old,
            new,
        } => lifecycle::swap::run(&ctx, &old, &new, force, timeout),
        Command::Start { module } => lifecycle::transition::request(&ctx, Request::Start, &module),
        Command::Quiesce { module } => {
            lifecycle::transition::request(&ctx, Request::Quiesce, &module)
        }
        Command::Stop { module } => lifecycle::transition::stop(&ctx, &module),
        Command::Explain { module, files } => list::explain::run(&ctx, &module, files),
        Command::Abi(AbiCommand::Snapshot {
            kernel,
            stable_list,
            json,
        }) => abi::snapshot::run(&ctx, kernel.as_deref(), stable_list.as_deref(), json),
        Command::Abi(AbiCommand::Check {
            kernel,
            record,
            stable_list,
            json,
            report,
        }) => abi::check::run(
            &ctx,
            &abi::check::Options {
                kernel: &kernel,
                record: record.as_deref(),
                stable_list: stable_list.as_deref(),
                json,
                report,
            },
        ),
        Command::Doctor { json } => doctor::run(&ctx, json),
    }
}
