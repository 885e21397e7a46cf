//! The command line: options and subcommands (clap derive).

use crate::error::EXIT_CODES_HELP;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Checks and applies the preload dependency list kept under /etc.
///
/// The config is /etc/preload-modules.conf, then
/// /etc/preload-modules.d/*.conf in lexical order; lines for the same
/// consumer merge across files.
#[derive(Parser, Debug)]
#[command(name = "preloadctl", version, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// Work on the system under DIR instead of /: every path preloadctl
    /// uses (/proc, /sys, /etc, /lib/modules, /var/lib/preloadctl,
    /// /run/preloadctl) is the same path under DIR. For tests and chroots,
    /// like `systemctl --root` (not shown by --help).
    #[arg(
        long,
        global = true,
        hide = true,
        value_name = "DIR",
        env = "PRELOADCTL_ROOT",
        default_value = "/"
    )]
    pub root: PathBuf,
    /// Print nothing on success: standard output is discarded, and so are
    /// notes and warnings; errors still go to standard error, and the exit
    /// code says how it ended.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
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
        /// Print the verdict and every finding as JSON.
        #[arg(long)]
        json: bool,
        /// Files to check [default: the config].
        files: Vec<PathBuf>,
    },
    /// Write the merged config to /proc/preload/deps in one update and verify it.
    ///
    /// The list it replaced and the one it wrote are recorded in the history
    /// (see `history` and `rollback`); if the kernel refuses the new list,
    /// the live list stays as it was. preload stays loaded: `reload` is
    /// another name for `apply`, as `systemctl reload` re-reads a
    /// configuration without a restart; `restart` unloads preload and loads
    /// it again.
    #[command(visible_alias = "reload", after_help = EXIT_CODES_HELP)]
    Apply {
        /// Print the difference against the live list and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Files to apply [default: the config].
        files: Vec<PathBuf>,
    },
    /// Undo the last `commit` or list change, or restore an earlier list
    /// of the history (--to N).
    ///
    /// A commit is undone from its record under
    /// /var/lib/preloadctl/commit/: its modules, list files and list. With
    /// no commit to undo, the newest list in the history
    /// (/var/lib/preloadctl/history/) from before the last `apply`,
    /// `commit` or `restart` is written back with read-back; after a
    /// rollback, a second one changes nothing (--to goes further back). The
    /// list preload read at boot is not in the history: after a reboot,
    /// rollback goes back from the list that was live before it.
    #[command(after_help = EXIT_CODES_HELP)]
    Rollback {
        /// Restore the list of history entry N (`preloadctl history`)
        /// instead; a commit is not undone.
        #[arg(long, value_name = "N", conflicts_with = "bundle")]
        to: Option<u64>,
        /// Undo only what the rollout of the bundle NAME did here: its
        /// commit if it is the last one, else its staged change; else
        /// nothing (exit 0). Recovers a rollout whose controller died.
        #[arg(long, value_name = "NAME")]
        bundle: Option<String>,
        /// Print what would be restored, and the difference against the
        /// live list, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the history of the live list, newest first, and which entry is live.
    ///
    /// Each entry's number, time (UTC), command, entries and what it came
    /// from; the live one is marked *. Every `apply`, `commit`, `restart`
    /// and `rollback` records the list it wrote (and the list it replaced,
    /// if preloadctl did not write it and preload did not read it at boot);
    /// the last 20 entries are kept in /var/lib/preloadctl/history/.
    #[command(after_help = EXIT_CODES_HELP)]
    History {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check a bundle (list files, modules, manifest.json) against this
    /// machine and stage what changes, or veto it (exit code 7).
    ///
    /// Changes nothing live: the change is staged under
    /// /var/lib/preloadctl/staged/ for `commit` or `abort`. Vetoes: a bad
    /// bundle, a hash that does not match the manifest, a list that does
    /// not check, a listed module not installed after the bundle, a loaded
    /// module the change cannot reach without reloading it, an ABI break on
    /// the running kernel, a hook in /etc/preloadctl/veto.d/ that exits
    /// non-zero or runs past its timeout, a manifest that is not signed
    /// (manifest.json.sig, `ssh-keygen -Y sign -n preload-bundle`) by a key
    /// in /etc/preloadctl/trusted.d/ (allowed-signers files).
    #[command(after_help = EXIT_CODES_HELP)]
    Prepare {
        /// Print the verdict, the files and the vetoes as JSON.
        #[arg(long)]
        json: bool,
        /// Accept loaded modules the change reaches only by reloading them:
        /// the commit unloads (rmmod) and loads them again (modprobe).
        #[arg(long)]
        reload_consumers: bool,
        /// Accept a bundle that is not signed, or a machine that trusts no
        /// key; a signature that does not check still vetoes.
        #[arg(long)]
        allow_unsigned: bool,
        /// How long each veto hook may run, in seconds, unless the hook's
        /// NAME.timeout file in veto.d says otherwise; one that runs longer
        /// is killed, with what it started, and vetoes.
        #[arg(long, value_name = "SECONDS", default_value_t = 60,
              value_parser = clap::value_parser!(u64).range(1..))]
        hook_timeout: u64,
        /// The bundle: a directory, or a .tar, .tar.gz or .tgz file.
        bundle: PathBuf,
    },
    /// Apply the staged change: install the changed modules and list files
    /// atomically, run depmod, apply the list with read-back.
    ///
    /// Keeps what it replaced under /var/lib/preloadctl/commit/ for
    /// `rollback`; a commit that fails rolls itself back.
    #[command(after_help = EXIT_CODES_HELP)]
    Commit {
        /// Check that nothing changed since `prepare`, print the files,
        /// tools and list changes the commit would make, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Drop the staged change.
    #[command(after_help = EXIT_CODES_HELP)]
    Abort {
        /// Print which change would be dropped and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Unload preload.ko and load it again with config= the merged config.
    ///
    /// The merged list is written to /run/preloadctl/preload-modules.conf
    /// and preload reads it at load, from scratch: its counters start at 0,
    /// and a preload.ko replaced on disk (an upgrade) runs from then on.
    /// Refuses, saying why and changing nothing, if preload is not loaded,
    /// is in use, is not installed, or the config does not check. If the
    /// new load fails, preload is loaded again with the list it had. The
    /// list it loads is recorded in the history, as `apply` records its.
    /// (Until 2026-12 this was `reload`, which is now `apply`.)
    #[command(after_help = EXIT_CODES_HELP)]
    Restart {
        /// Check everything the restart checks, print the difference against
        /// the live list, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Files to load [default: the config].
        files: Vec<PathBuf>,
    },
    /// Move the consumers of the swappable interposer OLD to NEW while they run.
    ///
    /// Their calls go to NEW from then on. NEW must redefine every symbol
    /// OLD does and have a newer version, unless --force. The swap waits
    /// until no call is left in OLD (it is quiesced and may unload), or
    /// --timeout MS; then it says which state OLD is in. If OLD is still
    /// quiescing (exit code 8), `preloadctl quiesce OLD` finishes it later.
    /// SIGINT or SIGTERM ends the wait: the state left is reported the same
    /// way. Then it says whether the config and the live list still name
    /// OLD (after rmmod OLD, a consumer's load would load OLD again);
    /// --update-config makes the config name NEW.
    #[command(after_help = EXIT_CODES_HELP)]
    Swap {
        /// Swap even if NEW's version is not newer than OLD's.
        #[arg(long)]
        force: bool,
        /// Then make the config files (/etc/preload-modules.conf and
        /// /etc/preload-modules.d/*.conf) name NEW wherever they name OLD
        /// as a dependency, each file atomically, and print each one.
        #[arg(long)]
        update_config: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        /// Wait at most MS milliseconds (a positive whole number) for OLD
        /// to quiesce.
        #[arg(long, value_name = "MS", value_parser = milliseconds)]
        timeout: Option<u32>,
        /// Check what preloadctl checks, print the request and whom NEW
        /// would serve (and, with --update-config, the files it would
        /// change), and change nothing (the kernel checks again at the real
        /// swap).
        #[arg(long)]
        dry_run: bool,
        /// The interposer whose consumers move.
        old: String,
        /// The interposer that serves them from now on.
        new: String,
    },
    /// Start the interposer MODULE: preload calls its start handler.
    ///
    /// Allowed when it is loaded or quiesced (/proc/preload/lifecycle); if
    /// the kernel refuses, says why.
    #[command(after_help = EXIT_CODES_HELP)]
    Start {
        /// Say whether the state /proc/preload/interposers shows allows it,
        /// and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The interposer.
        module: String,
    },
    /// Quiesce the started interposer MODULE: wait until no call runs in it,
    /// then call its quiesce handler.
    ///
    /// Refused while it serves consumers (swap them to another interposer
    /// or unload them first). If interrupted, it stays quiescing: run it
    /// again.
    #[command(after_help = EXIT_CODES_HELP)]
    Quiesce {
        /// Say whether the state /proc/preload/interposers shows allows it,
        /// and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The interposer.
        module: String,
    },
    /// Unload the interposer MODULE: quiesce it if it is started, then rmmod.
    ///
    /// Refuses, changing nothing, if it still serves consumers or is not an
    /// interposer preload manages.
    #[command(after_help = EXIT_CODES_HELP)]
    Stop {
        /// Print whether it would be quiesced first and unloaded, or why
        /// not, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The interposer.
        module: String,
    },
    /// Move the files of an install from before the paths changed to the
    /// paths used now; only preloadctl's own files move.
    ///
    /// /etc/preload.conf -> /etc/preload-modules.conf, but only if it is a
    /// dependency list (Debian's readahead daemon, package preload, keeps
    /// its INI configuration there, which is left alone);
    /// /etc/preload.d/*.conf -> /etc/preload-modules.d/;
    /// /etc/preload/veto.d/* -> /etc/preloadctl/veto.d/; and preloadctl's
    /// entries of /var/lib/preload/ (last-good.conf, staged/, commit/,
    /// rolled-back/, abi/) -> /var/lib/preloadctl/, leaving the daemon's
    /// preload.state. Old directories left empty are removed (but not
    /// /var/lib/preload while Debian's preload is installed). Everything
    /// is checked first: if a file exists at its new place too, nothing
    /// moves.
    #[command(after_help = EXIT_CODES_HELP)]
    Migrate {
        /// Print what would move and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show whether preload is loaded, its list size, counters and interposers.
    #[command(after_help = EXIT_CODES_HELP)]
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Kernel symbol tracking: will the interposers and consumers still load
    /// on another kernel?
    #[command(subcommand, after_help = EXIT_CODES_HELP)]
    Abi(AbiCommand),
    /// Show what loading MODULE now would do: its dependencies, transitively.
    ///
    /// Uses the live list if preload is loaded and readable, otherwise the
    /// config (or FILEs, if given). Exits 9 if the load would fail: a
    /// required dependency missing from disk, a dependency cycle, a
    /// required interposer out of service (quiescing or quiesced).
    #[command(after_help = EXIT_CODES_HELP)]
    Explain {
        /// Print the tree and the verdict as JSON.
        #[arg(long)]
        json: bool,
        /// The module.
        module: String,
        /// Explain against these files instead of the live list.
        files: Vec<PathBuf>,
    },
    /// Check the machine for what preload needs and say what fixes each
    /// problem.
    ///
    /// One line per finding, `error:`, `warning:` or `ok:`, with `fix:`
    /// and the command: the running kernel (release, config: Rust, modules,
    /// kprobes, ftrace, ORC), a preload.ko for every installed kernel,
    /// signed if Secure Boot is on, preload loaded, the config, files at the
    /// old paths, the headers `abi` needs, preloadctl.service enabled, the
    /// live list equal to the config. Exit code 0: all ok; 10: warnings;
    /// 11: errors.
    #[command(after_help = EXIT_CODES_HELP)]
    Doctor {
        /// Print the findings as a JSON array of {check, severity, message, fix}.
        #[arg(long)]
        json: bool,
    },
    /// Write the man pages and the bash, zsh and fish completions under
    /// DIR, laid out as /usr/share is: man/man8/preloadctl.8,
    /// man/man5/preload-modules.conf.5,
    /// bash-completion/completions/preloadctl,
    /// zsh/site-functions/_preloadctl,
    /// fish/vendor_completions.d/preloadctl.fish (for make install and
    /// packages; not shown by --help).
    #[command(hide = true)]
    Generate {
        /// Where to write them, such as /usr/share.
        dir: PathBuf,
    },
}

impl Command {
    /// Whether the command changes the system's state (the live list,
    /// modules, interposers, files under /etc, the state under
    /// /var/lib/preloadctl), so that it is recorded in the audit log
    /// (`audit.rs`); a dry run changes nothing. Every command is named: a
    /// new one must say.
    pub fn changes_state(&self) -> bool {
        match self {
            Command::Apply { dry_run, .. }
            | Command::Migrate { dry_run, .. }
            | Command::Rollback { dry_run, .. }
            | Command::Commit { dry_run }
            | Command::Abort { dry_run }
            | Command::Restart { dry_run, .. }
            | Command::Swap { dry_run, .. }
            | Command::Start { dry_run, .. }
            | Command::Quiesce { dry_run, .. }
            | Command::Stop { dry_run, .. } => !dry_run,
            Command::Check { .. }
            | Command::History { .. }
            | Command::Prepare { .. }
            | Command::Status { .. }
            | Command::Abi(_)
            | Command::Explain { .. }
            | Command::Doctor { .. }
            | Command::Generate { .. } => false,
        }
    }
}

/// The `abi` subcommands.
#[derive(Subcommand, Debug)]
pub enum AbiCommand {
    /// Record, for the running kernel, every symbol each interposer
    /// redefines and each consumer imports.
    ///
    /// For each symbol: the exporting module, GPL-only or not, namespace,
    /// CRC (MODVERSIONS) and the BTF type. The record is written to
    /// /var/lib/preloadctl/abi/RELEASE.json. Needs the kernel's
    /// Module.symvers (/lib/modules/RELEASE/build/, from the headers
    /// package, or --kernel).
    #[command(after_help = EXIT_CODES_HELP)]
    Snapshot {
        /// The running kernel's build or headers directory, holding
        /// Module.symvers [default: /lib/modules/RELEASE/build].
        #[arg(long, value_name = "DIR")]
        kernel: Option<PathBuf>,
        /// Record whether each symbol is in this stable list.
        #[arg(long, value_name = "FILE")]
        stable_list: Option<PathBuf>,
        /// Print the record (JSON) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Compare the record with a target kernel and report each used symbol
    /// that disappeared or changed.
    ///
    /// The target is a build or headers directory (Module.symvers, and
    /// vmlinux for BTF), a modules directory with build/ in it, or a release
    /// whose modules directory is next to the running kernel's
    /// (/lib/modules/RELEASE). The baseline is --record, else the running
    /// kernel's record, else a snapshot taken now.
    #[command(after_help = EXIT_CODES_HELP)]
    Check {
        /// The target kernel: DIR or RELEASE.
        #[arg(long, value_name = "DIR|RELEASE")]
        kernel: String,
        /// The record to compare [default:
        /// /var/lib/preloadctl/abi/$(uname -r).json].
        #[arg(long, value_name = "FILE")]
        record: Option<PathBuf>,
        /// Classify each symbol as stable or unstable by this list (one
        /// symbol a line, # comments).
        #[arg(long, value_name = "FILE")]
        stable_list: Option<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Also write the report to /var/lib/preloadctl/abi/REPORT (`status`
        /// shows it).
        #[arg(long)]
        report: bool,
    },
}

/// Parses a positive whole number of milliseconds (`--timeout`).
pub fn milliseconds(text: &str) -> Result<u32, String> {
    let wrong = || format!("{text:?} is not a positive whole number of milliseconds");
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wrong());
    }
    match text.parse::<u32>() {
        Ok(0) => Err(wrong()),
        Ok(ms) => Ok(ms),
        Err(_) => Err(format!(
            "{text} milliseconds is too long (at most {})",
            u32::MAX
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_positive_whole_milliseconds() {
        assert_eq!(milliseconds("300"), Ok(300));
        assert_eq!(milliseconds("1"), Ok(1));
        assert_eq!(milliseconds("4294967295"), Ok(u32::MAX));
        for bad in ["", "0", "000", "abc", "-5", "+5", "1.5", "300ms", " 3"] {
            assert_eq!(
                milliseconds(bad),
                Err(format!(
                    "{bad:?} is not a positive whole number of milliseconds"
                )),
                "{bad:?}"
            );
        }
        assert_eq!(
            milliseconds("4294967296"),
            Err("4294967296 milliseconds is too long (at most 4294967295)".into())
        );
    }
}
