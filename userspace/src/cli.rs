//! The command line: options and subcommands (clap derive).

use crate::error::EXIT_CODES_HELP;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Checks and applies the preload dependency list kept under /etc.
///
/// The config is /etc/preload.conf, then /etc/preload.d/*.conf in lexical
/// order; lines for the same consumer merge across files.
#[derive(Parser, Debug)]
#[command(name = "preloadctl", version, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// Where things are (tests point these at temporary directories).
    #[command(flatten)]
    pub paths: PathArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The directories preloadctl reads and writes.
#[derive(Args, Debug)]
pub struct PathArgs {
    /// The proc file system.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "PRELOADCTL_PROC_DIR",
        default_value = "/proc"
    )]
    pub proc_dir: PathBuf,
    /// The installed modules [default: /lib/modules/$(uname -r)].
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "PRELOADCTL_MODULES_DIR"
    )]
    pub modules_dir: Option<PathBuf>,
    /// Where the default config lives: DIR/preload.conf and DIR/preload.d/*.conf.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "PRELOADCTL_CONFIG_DIR",
        default_value = "/etc"
    )]
    pub config_dir: PathBuf,
    /// Where the last-known-good list is kept.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "PRELOADCTL_STATE_DIR",
        default_value = "/var/lib/preload"
    )]
    pub state_dir: PathBuf,
    /// Where `reload` writes the merged list that preload reads at load.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "PRELOADCTL_RUN_DIR",
        default_value = "/run/preload"
    )]
    pub run_dir: PathBuf,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate config files and print every problem as `file:line: reason`.
    ///
    /// Catches bad lines, limits, cycles across files, and names modules not
    /// installed under the modules directory (a warning; an error with
    /// --strict, except for optional dependencies).
    #[command(after_help = EXIT_CODES_HELP)]
    Check {
        /// Treat modules that are not installed as errors.
        #[arg(long)]
        strict: bool,
        /// Files to check [default: the config].
        files: Vec<PathBuf>,
    },
    /// Write the merged config to /proc/preload/deps in one update and verify it.
    ///
    /// The live list is saved first as the last-known-good list (see
    /// `rollback`); if the kernel refuses the new list, the live list stays
    /// as it was.
    #[command(after_help = EXIT_CODES_HELP)]
    Apply {
        /// Print the difference against the live list and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Files to apply [default: the config].
        files: Vec<PathBuf>,
    },
    /// Restore the list saved by the last `apply` or `reload` that changed it.
    #[command(after_help = EXIT_CODES_HELP)]
    Rollback,
    /// Unload preload.ko and load it again with config= the merged config.
    ///
    /// The merged list is written under the run directory and preload reads
    /// it at load. Refuses, saying why, if preload is not loaded, is in use,
    /// or the config does not check; preload stays loaded either way.
    #[command(after_help = EXIT_CODES_HELP)]
    Reload {
        /// Files to load [default: the config].
        files: Vec<PathBuf>,
    },
    /// Show whether preload is loaded, its list size, counters and interposers.
    #[command(after_help = EXIT_CODES_HELP)]
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show what loading MODULE now would do: its dependencies, transitively.
    ///
    /// Uses the live list if preload is loaded and readable, otherwise the
    /// config (or FILEs, if given).
    #[command(after_help = EXIT_CODES_HELP)]
    Explain {
        /// The module.
        module: String,
        /// Explain against these files instead of the live list.
        files: Vec<PathBuf>,
    },
}
