//! preloadctl: checks and applies the preload dependency list kept under
//! `/etc`, like `modprobe.d` and `modprobe -c` do for modprobe.
//!
//! Imports go one way, down: this file, `cli.rs` (the options) and
//! `generate.rs` (man pages and completions from them) on top;
//! under them one folder per job, `list/`, `rollout/`, `lifecycle/` and
//! `abi/`; at the bottom the files the jobs share: `audit.rs` (the audit
//! log of the commands that change state), `config.rs`, `context.rs`,
//! `error.rs`, `modules.rs`, `output.rs` (`--quiet`), `procfs.rs`,
//! `rename.rs` (a dependency renamed in the config files), `store.rs`,
//! `history.rs` (the history of the live list), `diff.rs`, `clock.rs`,
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
//! Code the `unsafe_code` lint flags lives only in `sys.rs`: Cargo.toml
//! denies that lint and `mod sys` alone allows it.

mod abi;
mod audit;
mod cli;
mod clock;
mod config;
mod context;
mod diff;
mod doctor;
mod error;
mod generate;
mod history;
mod kernels;
mod lifecycle;
mod list;
mod modules;
mod output;
mod procfs;
mod rename;
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
    if cli.quiet {
        output::set_quiet();
        if let Err(e) = sys::discard_stdout() {
            eprintln!(
                "preloadctl: --quiet: cannot discard standard output: {}",
                error::describe(&e)
            );
            return Exit::System.into();
        }
    }
    let audit = cli.command.changes_state().then(audit::command_words);
    let root = cli.root.clone();
    let result = run(cli);
    if let Some(words) = audit {
        audit::record(&root, &words, &result);
    }
    match result {
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
        Command::Check {
            strict,
            json,
            files,
        } => list::check::run(&ctx, files, strict, json),
        Command::Apply { dry_run, files } => list::apply::apply(&ctx, files, dry_run),
        Command::Rollback {
            bundle: Some(name),
            dry_run,
            ..
        } => rollout::commit::undo_rollout(&ctx, &name, dry_run),
        Command::Rollback { to, dry_run, .. } => list::rollback::run(&ctx, to, dry_run),
        Command::History { json } => list::history::run(&ctx, json),
        Command::Prepare {
            json,
            reload_consumers,
            allow_unsigned,
            hook_timeout,
            bundle,
        } => rollout::stage::prepare(
            &ctx,
            &rollout::stage::Options {
                bundle,
                json,
                reload_consumers,
                allow_unsigned,
                hook_timeout: std::time::Duration::from_secs(hook_timeout),
            },
        ),
        Command::Commit { dry_run } => rollout::commit::run(&ctx, dry_run),
        Command::Abort { dry_run } => rollout::stage::abort(&ctx, dry_run),
        Command::Restart { dry_run, files } => list::restart::run(&ctx, files, dry_run),
        Command::Status { json } => list::status::run(&ctx, json),
        Command::Migrate { dry_run } => list::migrate::run(&ctx, dry_run),
        Command::Swap {
            force,
            update_config,
            json,
            timeout,
            dry_run,
            old,
            new,
        } => lifecycle::swap::run(
            &ctx,
            &old,
            &new,
            &lifecycle::swap::Options {
                force,
                timeout,
                update_config,
                json,
                dry_run,
            },
        ),
        Command::Start { dry_run, module } => {
            lifecycle::transition::request(&ctx, Request::Start, &module, dry_run)
        }
        Command::Quiesce { dry_run, module } => {
            lifecycle::transition::request(&ctx, Request::Quiesce, &module, dry_run)
        }
        Command::Stop { dry_run, module } => lifecycle::transition::stop(&ctx, &module, dry_run),
        Command::Explain {
            json,
            module,
            files,
        } => list::explain::run(&ctx, &module, files, json),
        Command::Generate { dir } => generate::run(&dir),
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
