//! `preloadctl generate DIR` (hidden): the man pages and the shell
//! completions, written under DIR laid out as `/usr/share` is, for `make
//! install` and packages. `preloadctl(8)` and the completions come from the
//! clap definitions in `cli.rs`, so they say what this binary takes;
//! `preload-modules.conf(5)` is written by hand
//! (`packaging/preload-modules.conf.5`) and carried in the binary.

use crate::cli::Cli;
use crate::clock;
use crate::context::{CONFIG_FILE, RUN_DIR, SNIPPETS_DIR, STATE_DIR, VETO_DIR};
use crate::error::{Error, Exit, EXIT_CODES_HELP};
use clap::{Arg, CommandFactory};
use clap_complete::Shell;
use roff::{bold, italic, roman, Inline, Roff};
use std::fs;
use std::path::{Path, PathBuf};

/// The hand-written page of the config files' format.
const CONFIG_PAGE: &str = include_str!("../packaging/preload-modules.conf.5");

/// Each file written, relative to DIR, and what it holds.
pub fn files() -> Vec<(&'static str, Vec<u8>)> {
    let mut files = vec![
        ("man/man8/preloadctl.8", man_page().into_bytes()),
        (
            "man/man5/preload-modules.conf.5",
            CONFIG_PAGE.as_bytes().to_vec(),
        ),
    ];
    for (path, shell) in [
        ("bash-completion/completions/preloadctl", Shell::Bash),
        ("zsh/site-functions/_preloadctl", Shell::Zsh),
        ("fish/vendor_completions.d/preloadctl.fish", Shell::Fish),
    ] {
        let mut script = Vec::new();
        let mut cmd = visible(&Cli::command());
        clap_complete::generate(shell, &mut cmd, "preloadctl", &mut script);
        files.push((path, script));
    }
    files
}

/// `cmd` without its hidden options and subcommands (`--root`,
/// `generate`), which the completion generators would offer otherwise.
fn visible(cmd: &clap::Command) -> clap::Command {
    let mut out = clap::Command::new(cmd.get_name().to_owned())
        .args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .subcommands(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(visible),
        )
        .visible_aliases(
            cmd.get_visible_aliases()
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        );
    if let Some(about) = cmd.get_about() {
        out = out.about(about.clone());
    }
    if let Some(about) = cmd.get_long_about() {
        out = out.long_about(about.clone());
    }
    if let Some(version) = cmd.get_version() {
        out = out.version(version.to_owned());
    }
    out
}

/// Writes every file under `dir` and prints its path.
pub fn run(dir: &Path) -> Result<Exit, Error> {
    for (rel, content) in files() {
        let path: PathBuf = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, &e))?;
        }
        fs::write(&path, content).map_err(|e| Error::io("cannot write", &path, &e))?;
        println!("{}", path.display());
    }
    Ok(Exit::Ok)
}

/// `preloadctl(8)`: every command with its options, the exit codes, the
/// environment and the files.
pub fn man_page() -> String {
    let mut cmd = Cli::command();
    cmd.build();
    let version = cmd.get_version().unwrap_or_default().to_owned();
    let mut roff = Roff::new();
    roff.control(
        "TH",
        [
            "PRELOADCTL",
            "8",
            &page_date(),
            &format!("preloadctl {version}"),
            "System Administration",
        ],
    );
    roff.control("SH", ["NAME"]);
    roff.text([roman(
        "preloadctl - check and apply the preload dependency list, move interposers \
         through their lifecycle, roll out changes",
    )]);
    roff.control("SH", ["SYNOPSIS"]);
    roff.text([
        bold("preloadctl"),
        roman(" ["),
        bold("-q"),
        roman("] "),
        italic("COMMAND"),
        roman(" ["),
        italic("OPTIONS"),
        roman("] ["),
        italic("ARGS"),
        roman("]"),
    ]);
    roff.control("SH", ["DESCRIPTION"]);
    paragraphs(
        &mut roff,
        &text_of(cmd.get_long_about().or(cmd.get_about())),
    );
    roff.control("PP", []);
    roff.text([roman(
        "preload.ko, an out-of-tree kernel module, keeps a dynamic dependency list \
         (consumer: dep dep ...): when a listed module loads, by any path, preload loads \
         its dependencies first and records them as real kernel dependency links. \
         Interposer modules redefine kernel or module functions for the consumers that \
         list them. preloadctl keeps that list in files, as modprobe.d(5) keeps modprobe's, \
         and drives preload's files under /proc/preload.",
    )]);

    roff.control("SH", ["OPTIONS"]);
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        option(&mut roff, arg);
    }

    roff.control("SH", ["COMMANDS"]);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        if sub.has_subcommands() {
            roff.control("SS", [sub.get_name()]);
            paragraphs(
                &mut roff,
                &text_of(sub.get_long_about().or(sub.get_about())),
            );
            for inner in sub.get_subcommands().filter(|s| !s.is_hide_set()) {
                if inner.get_name() != "help" {
                    command(
                        &mut roff,
                        inner,
                        &format!("{} {}", sub.get_name(), inner.get_name()),
                    );
                }
            }
        } else {
            command(&mut roff, sub, sub.get_name());
        }
    }

    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in exit_codes() {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text(inline(&meaning));
    }

    roff.control("SH", ["ENVIRONMENT"]);
    for (name, text) in [
        (
            "PRELOADCTL_RMMOD, PRELOADCTL_MODPROBE, PRELOADCTL_DEPMOD",
            "A command to run instead of rmmod, modprobe or depmod (words split at spaces, \
             the arguments appended), for hosts where they live elsewhere, and for tests.",
        ),
        (
            "PRELOADCTL_ROOT",
            "Work on the system under this directory instead of / (as systemctl --root): \
             every path preloadctl uses is the same path under it. For tests and chroots; \
             the option --root DIR does the same.",
        ),
    ] {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(text)]);
    }

    roff.control("SH", ["FILES"]);
    for (path, text) in [
        (
            CONFIG_FILE.to_owned(),
            "The dependency list preload.ko reads when it loads; see preload-modules.conf(5).",
        ),
        (
            format!("{SNIPPETS_DIR}/*.conf"),
            "More of the list, merged after it in lexical order by preloadctl.",
        ),
        (
            "/proc/preload/".to_owned(),
            "preload's files: deps (the live list), interposers, swap, lifecycle, stats.",
        ),
        (
            format!("{STATE_DIR}/"),
            "The history of the live list (history/: the last 20 lists written, which history \
             lists and rollback goes back in), the staged change (staged/), the last commit's \
             record (commit/, rolled-back/), the kernel symbol records (abi/).",
        ),
        (
            format!("{VETO_DIR}/"),
            "Veto hooks prepare runs with the staged change.",
        ),
        (
            format!("{RUN_DIR}/"),
            "The merged list restart loads preload with, and the list it had before.",
        ),
        (
            crate::audit::SOCKET.to_owned(),
            "The syslog socket the audit lines go to (facility authpriv).",
        ),
    ] {
        roff.control("TP", []);
        roff.text([italic(path)]);
        roff.text([roman(text)]);
    }

    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(
        "preload-modules.conf(5), modprobe.d(5), modprobe(8), rmmod(8), depmod(8), \
         systemctl(1); the README and docs/ of preload (/usr/share/doc/preloadctl/).",
    )]);
    roff.render()
}

/// The page's date: `SOURCE_DATE_EPOCH`'s day if set (reproducible
/// builds, as Debian's), else today's, UTC.
fn page_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(clock::now);
    let stamp = clock::format_utc(secs);
    stamp.split('T').next().unwrap_or_default().to_owned()
}

/// `text` as inline runs: `quoted` spans (commands, options) in bold.
fn inline(text: &str) -> Vec<Inline> {
    if text.matches('`').count() % 2 != 0 {
        return vec![roman(text)];
    }
    text.split('`')
        .enumerate()
        .filter(|(_, run)| !run.is_empty())
        .map(|(i, run)| if i % 2 == 1 { bold(run) } else { roman(run) })
        .collect()
}

/// One command: its usage, what it does, its options and arguments.
fn command(roff: &mut Roff, cmd: &clap::Command, name: &str) {
    let mut heading = name.to_owned();
    for alias in cmd.get_visible_aliases() {
        heading.push_str(", ");
        heading.push_str(alias);
    }
    roff.control("SS", [heading.as_str()]);
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage);
    roff.text([bold(usage)]);
    roff.control("PP", []);
    paragraphs(roff, &text_of(cmd.get_long_about().or(cmd.get_about())));
    let args: Vec<&Arg> = cmd.get_arguments().filter(|a| shown(a)).collect();
    if !args.is_empty() {
        roff.control("RS", []);
        for arg in args {
            option(roff, arg);
        }
        roff.control("RE", []);
    }
}

/// Whether an argument of a command belongs under it on the page: not
/// hidden, and not a global option or `--help` (under OPTIONS once).
fn shown(arg: &Arg) -> bool {
    !arg.is_hide_set()
        && !arg.is_global_set()
        && !matches!(arg.get_id().as_str(), "help" | "version")
}

/// One option or argument, as a tagged paragraph.
fn option(roff: &mut Roff, arg: &Arg) {
    let value = arg
        .get_value_names()
        .and_then(|names| names.first())
        .map(|name| name.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
    let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
    let mut header: Vec<Inline> = Vec::new();
    if arg.is_positional() {
        let required = arg.is_required_set();
        header.push(roman(if required { "" } else { "[" }));
        header.push(italic(value));
        header.push(roman(match (required, many) {
            (true, false) => "",
            (true, true) => "...",
            (false, false) => "]",
            (false, true) => "]...",
        }));
    } else {
        if let Some(short) = arg.get_short() {
            header.push(bold(format!("-{short}")));
            if arg.get_long().is_some() {
                header.push(roman(", "));
            }
        }
        if let Some(long) = arg.get_long() {
            header.push(bold(format!("--{long}")));
        }
        if arg.get_num_args().is_some_and(|n| n.takes_values()) {
            header.push(roman(" "));
            header.push(italic(value));
        }
    }
    roff.control("TP", []);
    roff.text(header);
    let help = text_of(arg.get_long_help().or(arg.get_help()));
    let mut first = true;
    for paragraph in split_paragraphs(&help) {
        if !first {
            roff.control("IP", []);
        }
        roff.text(inline(&paragraph));
        first = false;
    }
}

fn text_of(text: Option<&clap::builder::StyledStr>) -> String {
    text.map(ToString::to_string).unwrap_or_default()
}

/// Writes `text` as paragraphs (blank lines between them in the source).
fn paragraphs(roff: &mut Roff, text: &str) {
    let mut first = true;
    for paragraph in split_paragraphs(text) {
        if !first {
            roff.control("PP", []);
        }
        roff.text(inline(&paragraph));
        first = false;
    }
}

/// The paragraphs of `text`, each joined into one line.
fn split_paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// The exit codes of `--help`, as (code, meaning).
fn exit_codes() -> Vec<(String, String)> {
    let mut codes: Vec<(String, String)> = Vec::new();
    for line in EXIT_CODES_HELP.lines().skip(1) {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match trimmed.split_once("  ") {
            Some((code, meaning)) if indent == 2 && code.bytes().all(|b| b.is_ascii_digit()) => {
                codes.push((code.to_owned(), meaning.trim().to_owned()));
            }
            _ => {
                if let Some((_, meaning)) = codes.last_mut() {
                    meaning.push(' ');
                    meaning.push_str(trimmed);
                }
            }
        }
    }
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_spans_are_bold() {
        assert_eq!(
            inline("see `rollback` and `x`."),
            [
                roman("see "),
                bold("rollback"),
                roman(" and "),
                bold("x"),
                roman(".")
            ]
        );
        assert_eq!(inline("odd ` one"), [roman("odd ` one")]);
    }

    #[test]
    fn every_exit_code_is_on_the_page() {
        let codes = exit_codes();
        let numbers: Vec<&str> = codes.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            numbers,
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]
        );
        assert_eq!(
            codes[8].1,
            "swap: the consumers moved to NEW, but OLD is still quiescing (a call is still \
             inside it: --timeout ran out, or SIGINT/SIGTERM ended the wait); run \
             `preloadctl quiesce OLD` to finish it"
        );
        assert_eq!(codes[10].1, "doctor: it found warnings (and no errors)");
        assert_eq!(codes[11].1, "doctor: it found errors");
    }

    #[test]
    fn the_page_has_every_command_and_option() {
        let page = man_page();
        assert!(page.contains(".TH PRELOADCTL 8 "), "{page}");
        for command in [
            "check",
            "apply, reload",
            "restart",
            "rollback",
            "history",
            "prepare",
            "commit",
            "abort",
            "swap",
            "start",
            "quiesce",
            "stop",
            "migrate",
            "status",
            "explain",
            "doctor",
            "abi snapshot",
            "abi check",
        ] {
            let heading = if command.contains(' ') {
                format!(".SS \"{command}\"\n")
            } else {
                format!(".SS {command}\n")
            };
            assert!(page.contains(&heading), "{command}: {page}");
        }
        for option in ["\\-\\-update\\-config", "\\-\\-dry\\-run", "\\-\\-quiet"] {
            assert!(page.contains(option), "{option}");
        }
        // Hidden things stay hidden (ENVIRONMENT names --root, for
        // PRELOADCTL_ROOT, but it is no option of the page).
        assert!(!page.contains("generate"));
        assert!(!page.contains("\\fB\\-\\-root\\fR"));
    }
}
