//! `preloadctl swap OLD NEW [--force] [--timeout MS] [--dry-run]`: moves
//! the consumers of the swappable interposer OLD to NEW while they run
//! (`/proc/preload/swap`). What the kernel would refuse for what
//! `/proc/preload/interposers` shows is checked here first, so the reason is
//! printed; the kernel checks again, and its log has the reason for what
//! only it sees. After the write, the state the swap left is read back and
//! reported: OLD quiesced (exit 0), or still quiescing because a call is
//! still inside it when `--timeout` ran out or SIGINT/SIGTERM ended the
//! wait (exit 8, [`Exit::Quiescing`]). Then whether the config and the
//! live list still name OLD: with `--update-config` the config files are
//! made to name NEW (`rename.rs`). With `--dry-run` only preloadctl's own
//! checks run (a refusal is exit 9, as the kernel's), and it says what the
//! kernel would be asked and which config files would change.

use crate::context::Context;
use crate::error::{describe, Error, Exit};
use crate::modules::canonical;
use crate::output::{self, note};
use crate::procfs::errno::{EBUSY, EINTR, EINVAL};
use crate::procfs::Interposer;
use crate::rename;
use crate::store::live_list;
use crate::sys::SignalCatch;
use preload_deps::interpose::version_newer;
use serde_json::{json, Value};
use std::io;
use std::path::Path;

/// How to swap, and what to print.
pub struct Options {
    /// Swap even if NEW's version is not newer.
    pub force: bool,
    /// At most this many milliseconds for OLD to quiesce.
    pub timeout: Option<u32>,
    /// Make the config files name NEW where they name OLD.
    pub update_config: bool,
    /// Print the result as JSON.
    pub json: bool,
    /// Only check what preloadctl checks and say what the kernel would be
    /// asked (and which config files `update_config` would change).
    pub dry_run: bool,
}

/// Runs the command; with `dry_run`, only checks what preloadctl checks
/// and says what the kernel would be asked.
pub fn run(ctx: &Context, old: &str, new: &str, options: &Options) -> Result<Exit, Error> {
    let Options {
        force,
        timeout,
        update_config,
        json,
        dry_run,
    } = *options;
    let (old, new) = (canonical(old), canonical(new));
    let (old, new) = (old.as_str(), new.as_str());
    let proc = &ctx.proc;
    proc.require_preload()?;
    let interposers = proc.read_interposers()?.unwrap_or_default();
    check(&interposers, old, new, force, " (--force swaps anyway)")
        .map_err(|why| refused(old, new, &why))?;
    let line = request(old, new, force, timeout);
    if dry_run {
        if proc.has_cap_sys_module() == Some(false) {
            return Err(write_failed(
                old,
                new,
                timeout,
                &io::Error::from(io::ErrorKind::PermissionDenied),
            ));
        }
        let consumers = interposers
            .iter()
            .find(|i| i.name == old)
            .map_or_else(Vec::new, |i| i.consumers.clone());
        return dry_run_report(ctx, old, new, &line, &consumers, options);
    }
    // SIGINT and SIGTERM end the kernel's wait but not preloadctl, which
    // then says what the swap left.
    let catch = SignalCatch::install().map_err(|e| {
        Error::new(
            Exit::System,
            format!("cannot catch SIGINT and SIGTERM: {}", describe(&e)),
        )
    })?;
    let written = proc.write_swap(&line);
    let caught = catch.caught();
    drop(catch);
    let interrupted = match written {
        Ok(()) => None,
        Err(e) if e.raw_os_error() == Some(EINTR) => Some(caught.unwrap_or("a signal")),
        Err(e) => return Err(write_failed(old, new, timeout, &e)),
    };
    let interposers = proc.read_interposers()?.unwrap_or_default();
    let report = report(&interposers, old, new, interrupted, &proc.lifecycle_path())?;
    let names = names_after(ctx, old, new, update_config);
    if json {
        println!("{}", to_json(&report, &names, old, new, interrupted));
    } else {
        if let Some(note) = &report.note {
            note!("preloadctl: {note}");
        }
        for line in report.lines.iter().chain(&names.lines) {
            println!("{line}");
        }
    }
    if let Some(e) = names.error {
        return Err(Error::with_details(
            e.exit,
            format!("swap {old} -> {new} done, but the config was not updated: {e}"),
            e.details,
        ));
    }
    // With --quiet, a swap that left OLD quiescing still says so.
    if report.exit != Exit::Ok && output::quiet() {
        eprintln!("preloadctl: {}", report.state_line);
    }
    Ok(report.exit)
}

/// `swap --dry-run`: the request the kernel would be asked, whom NEW
/// would serve, and where the config names OLD (the files
/// `--update-config` would change, or why it would refuse to).
fn dry_run_report(
    ctx: &Context,
    old: &str,
    new: &str,
    line: &str,
    consumers: &[String],
    options: &Options,
) -> Result<Exit, Error> {
    let update = options.update_config;
    let found = ctx.sources(Vec::new()).and_then(|sources| {
        if update {
            rename::check(&sources, old, new)
        } else {
            rename::find(&sources, old, new)
        }
    });
    let (files, error) = match found {
        Ok(files) => (files, None),
        Err(e) if update => (Vec::new(), Some(e)),
        Err(e) => {
            // Only a hint is lost.
            note!("preloadctl: cannot tell whether the config names {old}: {e}");
            (Vec::new(), None)
        }
    };
    if options.json {
        let config_files: Vec<Value> = files
            .iter()
            .map(|n| json!({"file": n.file.display().to_string(), "lines": n.lines}))
            .collect();
        println!(
            "{}",
            json!({
                "dry_run": true,
                "old": old,
                "new": new,
                "request": line.trim_end(),
                "would_serve": consumers,
                "timeout_ms": options.timeout,
                "config_files": config_files,
                "config_update": update,
                "config_error": error.as_ref().map(ToString::to_string),
            })
        );
    } else {
        println!(
            "would write {:?} to {}: {new} would serve {}; the kernel checks the swap again, \
             then waits until no call is left in {old}{}",
            line.trim_end(),
            ctx.proc.swap_path().display(),
            match consumers {
                [] => format!("no consumers (none are bound to {old} now)"),
                consumers => consumers.join(", "),
            },
            match options.timeout {
                Some(ms) => format!(" (at most {ms} ms)"),
                None => String::new(),
            }
        );
        if update {
            for naming in &files {
                let lines: Vec<String> = naming.lines.iter().map(ToString::to_string).collect();
                println!(
                    "would update {}: {old} -> {new} (line{} {})",
                    naming.file.display(),
                    if lines.len() == 1 { "" } else { "s" },
                    lines.join(", ")
                );
            }
        } else if !files.is_empty() {
            let places: Vec<String> = files
                .iter()
                .flat_map(|n| {
                    n.lines
                        .iter()
                        .map(|line| format!("{}:{line}", n.file.display()))
                })
                .collect();
            println!(
                "the config names {old} ({}): swap --update-config would name {new} there",
                places.join(", ")
            );
        }
        if update && files.is_empty() && error.is_none() {
            println!("the config does not name {old}: no file would change");
        }
        if error.is_none() {
            println!("dry run: nothing was changed");
        }
    }
    match error {
        Some(e) => Err(Error::with_details(
            e.exit,
            format!("swap {old} -> {new} --update-config would fail: {e}"),
            e.details,
        )),
        None => Ok(Exit::Ok),
    }
}

/// Where OLD is still named after the swap, or was renamed.
struct Names {
    /// The config files naming OLD (renamed, with `--update-config`), with
    /// their lines.
    files: Vec<rename::Naming>,
    /// Whether the files were made to name NEW.
    updated: bool,
    /// Whether the live list names OLD (`None`: it could not be read).
    live: Option<bool>,
    /// What to print about it.
    lines: Vec<String>,
    /// Why the config could not be updated.
    error: Option<Error>,
}

/// Finds where the config and the live list name `old` after the swap,
/// and with `update` makes the config files name `new` instead.
fn names_after(ctx: &Context, old: &str, new: &str, update: bool) -> Names {
    let mut names = Names {
        files: Vec::new(),
        updated: false,
        live: None,
        lines: Vec::new(),
        error: None,
    };
    let found = ctx.sources(Vec::new()).and_then(|sources| {
        if update {
            rename::update(&sources, old, new)
        } else {
            rename::find(&sources, old, new)
        }
    });
    match found {
        Ok(files) => names.files = files,
        Err(e) if update => names.error = Some(e),
        // Only a hint is lost.
        Err(e) => note!("preloadctl: cannot tell whether the config names {old}: {e}"),
    }
    names.updated = update && names.error.is_none();
    let places = |n: &rename::Naming| {
        n.lines
            .iter()
            .map(|line| format!("{}:{line}", n.file.display()))
            .collect::<Vec<_>>()
    };
    if names.updated {
        for naming in &names.files {
            let lines: Vec<String> = naming.lines.iter().map(ToString::to_string).collect();
            names.lines.push(format!(
                "updated {}: {old} -> {new} (line{} {})",
                naming.file.display(),
                if lines.len() == 1 { "" } else { "s" },
                lines.join(", ")
            ));
        }
        if names.files.is_empty() {
            names
                .lines
                .push(format!("the config does not name {old}: no file changed"));
        }
    } else if !names.files.is_empty() {
        let places: Vec<String> = names.files.iter().flat_map(places).collect();
        names.lines.push(format!(
            "the config still names {old} ({}): name {new} there \
             (swap --update-config does it at the swap)",
            places.join(", ")
        ));
    }
    let proc = &ctx.proc;
    names.live = proc
        .read_deps()
        .and_then(|text| live_list(proc, &text))
        .ok()
        .map(|list| list.list().edges().iter().any(|e| e.dep.as_str() == old));
    if names.live == Some(true) {
        names.lines.push(format!(
            "the live list still names {old}, whose consumers {new} serves while {old} is loaded; \
             after rmmod {old} their next load would load {old} again: 'preloadctl reload' \
             applies the {}",
            if names.updated {
                "updated config".to_owned()
            } else {
                format!("config once it names {new}")
            }
        ));
    }
    names
}

/// The result as one JSON object.
fn to_json(report: &Report, names: &Names, old: &str, new: &str, signal: Option<&str>) -> Value {
    let files: Vec<Value> = names
        .files
        .iter()
        .map(|n| json!({"file": n.file.display().to_string(), "lines": n.lines}))
        .collect();
    json!({
        "old": old,
        "new": new,
        "serves": report.serves,
        "old_state": report.old_state,
        "interrupted": signal,
        "config_files": files,
        "config_updated": names.updated,
        "config_error": names.error.as_ref().map(ToString::to_string),
        "live_list_names_old": names.live,
    })
}

/// The request written to `/proc/preload/swap`: `OLD NEW [force]
/// [timeout=MS]`, one line.
pub(crate) fn request(old: &str, new: &str, force: bool, timeout: Option<u32>) -> String {
    let mut line = format!("{old} {new}");
    if force {
        line.push_str(" force");
    }
    if let Some(ms) = timeout {
        line.push_str(&format!(" timeout={ms}"));
    }
    line.push('\n');
    line
}

/// The error for a swap write the kernel failed with `err` (not `EINTR`).
fn write_failed(old: &str, new: &str, timeout: Option<u32>, err: &io::Error) -> Error {
    match err.raw_os_error() {
        Some(EBUSY) => refused(
            old,
            new,
            &format!("a consumer of {old} is loading or unloading; try again"),
        ),
        _ if err.kind() == io::ErrorKind::PermissionDenied => Error::new(
            Exit::Permission,
            "permission denied: root (CAP_SYS_MODULE) is needed to swap",
        ),
        Some(EINVAL) if timeout.is_some() => refused(
            old,
            new,
            "the kernel refused it (Invalid argument; its log says why: \
             a preload without swap timeouts refuses timeout=)",
        ),
        _ => refused(
            old,
            new,
            &format!(
                "the kernel refused it ({}; its log says why)",
                describe(err)
            ),
        ),
    }
}

/// What a swap left, to print, and the exit code that says it.
#[derive(Debug, PartialEq, Eq)]
struct Report {
    /// Why the wait ended early, for standard error.
    note: Option<String>,
    /// The lines for standard output: whom NEW serves, OLD's state.
    lines: Vec<String>,
    /// The consumers NEW serves.
    serves: Vec<String>,
    /// OLD's state, one word: `quiesced`, `quiescing`, `unloaded`, or
    /// another state it moved on to since.
    old_state: String,
    /// The line saying OLD's state.
    state_line: String,
    /// 0 if OLD is quiesced (or gone), 8 if it is still quiescing.
    exit: Exit,
}

/// What the swap of `old` for `new` left, judged by the interposers read
/// after the write; `interrupted` names the signal that ended the write
/// with `EINTR`, `None` if it succeeded; `lifecycle` is the path of
/// `/proc/preload/lifecycle`. An interrupted swap whose consumers did not
/// move is an error: nothing was swapped.
fn report(
    interposers: &[Interposer],
    old: &str,
    new: &str,
    interrupted: Option<&str>,
    lifecycle: &Path,
) -> Result<Report, Error> {
    let find = |name: &str| interposers.iter().find(|i| i.name == name);
    let from = find(old);
    let consumers = |i: Option<&Interposer>| match i {
        Some(i) if !i.consumers.is_empty() => i.consumers.join(", "),
        _ => "no consumers".into(),
    };
    if let (Some(signal), Some(from)) = (interrupted, from) {
        if from.swap != format!("retired:{new}") {
            return Err(Error::new(
                Exit::Kernel,
                format!(
                    "swap {old} -> {new}: {signal} ended it before the consumers moved: \
                     nothing was swapped; {old} is {} and serves {}",
                    if from.state.is_empty() {
                        "loaded"
                    } else {
                        &from.state
                    },
                    consumers(Some(from))
                ),
            ));
        }
    }
    let note = interrupted.map(|signal| {
        format!(
            "swap {old} -> {new}: {signal} ended the wait for {old}'s calls still running; \
             the consumers had moved already"
        )
    });
    // Older preloads show no state: a swap they finished left OLD quiesced,
    // and one interrupted left it quiescing.
    let state = from.map(|i| match (i.state.as_str(), interrupted) {
        ("", None) => "quiesced",
        ("", Some(_)) => "quiescing",
        (state, _) => state,
    });
    let (state_line, exit) = match state {
        None => (format!("{old} has unloaded already"), Exit::Ok),
        Some("quiesced") => (
            format!(
                "{old} is quiesced: no call is left in it, and it may be unloaded (rmmod {old})"
            ),
            Exit::Ok,
        ),
        Some("quiescing") => (
            format!(
                "{old} is still quiescing (a call is still inside it): run 'preloadctl quiesce {old}' \
                 (or echo 'quiesce {old}' > {}) to finish; rmmod {old} is refused until then",
                lifecycle.display()
            ),
            Exit::Quiescing,
        ),
        Some(other) => (
            format!("{old} is {other} (another request moved it on since)"),
            Exit::Ok,
        ),
    };
    Ok(Report {
        note,
        lines: vec![
            format!(
                "swapped {old} for {new}; {new} now serves {}",
                consumers(find(new))
            ),
            state_line.clone(),
        ],
        serves: find(new).map(|i| i.consumers.clone()).unwrap_or_default(),
        old_state: state.unwrap_or("unloaded").to_owned(),
        state_line,
        exit,
    })
}

fn refused(old: &str, new: &str, why: &str) -> Error {
    Error::new(Exit::Kernel, format!("swap {old} -> {new} refused: {why}"))
}

/// Why the kernel would refuse the swap, judged by the interposers it shows;
/// `hint` ends the message of a version that is not newer.
pub(crate) fn check(
    interposers: &[Interposer],
    old: &str,
    new: &str,
    force: bool,
    hint: &str,
) -> Result<(), String> {
    let find = |name: &str| {
        interposers
            .iter()
            .find(|i| i.name == name)
            .ok_or_else(|| format!("{name} is not a loaded interposer"))
    };
    let (from, to) = (find(old)?, find(new)?);
    if old == new {
        return Err("they are the same module".into());
    }
    // Older preloads show no state: nothing to judge by.
    if !matches!(from.state.as_str(), "started" | "") {
        return Err(format!("{old} is {}, not started", from.state));
    }
    if !matches!(to.state.as_str(), "started" | "") {
        return Err(format!(
            "{new} is {}; start it first (preloadctl start {new})",
            to.state
        ));
    }
    for (i, other) in [(from, new), (to, old)] {
        match i.swap.as_str() {
            "yes" | "" => {}
            "no" => {
                return Err(format!(
                    "{} is not swappable (no interpose_swappable=yes)",
                    i.name
                ))
            }
            retired if i.name == old || retired != format!("retired:{other}") => {
                return Err(format!("{} was swapped already ({retired})", i.name));
            }
            _ => {}
        }
    }
    if let Some(symbol) = from.symbols.iter().find(|s| !to.symbols.contains(s)) {
        return Err(format!(
            "{new} does not redefine {symbol}, which {old} does"
        ));
    }
    let version = |i: &Interposer| i.version.clone().unwrap_or_else(|| "none".into());
    let newer = match (&to.version, &from.version) {
        (Some(n), Some(o)) => version_newer(n.as_bytes(), o.as_bytes()) == Some(true),
        _ => false,
    };
    if !force && !newer {
        return Err(format!(
            "{new}'s version {} is not newer than {old}'s {}{hint}",
            version(to),
            version(from)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interposer(name: &str, version: &str, swap: &str, symbols: &[&str]) -> Interposer {
        Interposer {
            name: name.into(),
            bound: 0,
            consumers: vec![],
            symbols: symbols.iter().map(|s| s.to_string()).collect(),
            version: Some(version.into()),
            swap: swap.into(),
            ..Interposer::default()
        }
    }

    #[test]
    fn requests_are_one_line_with_force_then_timeout() {
        assert_eq!(request("v1", "v2", false, None), "v1 v2\n");
        assert_eq!(request("v1", "v2", true, None), "v1 v2 force\n");
        assert_eq!(request("v1", "v2", false, Some(300)), "v1 v2 timeout=300\n");
        assert_eq!(
            request("v1", "v2", true, Some(4294967295)),
            "v1 v2 force timeout=4294967295\n"
        );
    }

    /// `/proc/preload/interposers` after v1's consumers moved to v2, with
    /// v1 in `state` (`None`: v1 is gone).
    fn after_swap(state: Option<&str>) -> Vec<Interposer> {
        let mut list = vec![Interposer {
            consumers: vec!["pl_a".into(), "pl_b".into()],
            bound: 2,
            state: "started".into(),
            ..interposer("v2", "2.0", "yes", &["a"])
        }];
        if let Some(state) = state {
            list.push(Interposer {
                state: state.into(),
                ..interposer("v1", "1.0", "retired:v2", &["a"])
            });
        }
        list
    }

    const LIFECYCLE: &str = "/proc/preload/lifecycle";

    fn report_of(list: &[Interposer], interrupted: Option<&str>) -> Report {
        report(list, "v1", "v2", interrupted, Path::new(LIFECYCLE)).unwrap()
    }

    const QUIESCED: &str =
        "v1 is quiesced: no call is left in it, and it may be unloaded (rmmod v1)";
    const QUIESCING: &str = "v1 is still quiescing (a call is still inside it): \
                             run 'preloadctl quiesce v1' (or echo 'quiesce v1' > \
                             /proc/preload/lifecycle) to finish; rmmod v1 is refused until then";

    #[test]
    fn a_quiesced_old_one_may_unload_exit_0() {
        assert_eq!(
            report_of(&after_swap(Some("quiesced")), None),
            Report {
                note: None,
                lines: vec![
                    "swapped v1 for v2; v2 now serves pl_a, pl_b".into(),
                    QUIESCED.into(),
                ],
                serves: vec!["pl_a".into(), "pl_b".into()],
                old_state: "quiesced".into(),
                state_line: QUIESCED.into(),
                exit: Exit::Ok,
            }
        );
    }

    #[test]
    fn a_timed_out_swap_says_how_to_finish_exit_8() {
        assert_eq!(
            report_of(&after_swap(Some("quiescing")), None),
            Report {
                note: None,
                lines: vec![
                    "swapped v1 for v2; v2 now serves pl_a, pl_b".into(),
                    QUIESCING.into(),
                ],
                serves: vec!["pl_a".into(), "pl_b".into()],
                old_state: "quiescing".into(),
                state_line: QUIESCING.into(),
                exit: Exit::Quiescing,
            }
        );
        assert_eq!(Exit::Quiescing as u8, 8);
    }

    #[test]
    fn an_interrupted_swap_reports_the_state_it_left() {
        let report = report_of(&after_swap(Some("quiescing")), Some("SIGINT"));
        assert_eq!(
            report.note.as_deref(),
            Some(
                "swap v1 -> v2: SIGINT ended the wait for v1's calls still running; \
                 the consumers had moved already"
            )
        );
        assert_eq!(
            report.lines[0],
            "swapped v1 for v2; v2 now serves pl_a, pl_b"
        );
        assert_eq!(report.lines[1], QUIESCING);
        assert_eq!(report.exit, Exit::Quiescing);
        // Finished meanwhile by another request: quiesced is quiesced.
        let report = report_of(&after_swap(Some("quiesced")), Some("SIGTERM"));
        assert!(report
            .note
            .is_some_and(|n| n.contains("SIGTERM ended the wait")));
        assert_eq!(report.exit, Exit::Ok);
    }

    #[test]
    fn an_interrupted_swap_that_moved_nothing_is_an_error() {
        let list = [
            Interposer {
                state: "started".into(),
                consumers: vec!["pl_a".into()],
                bound: 1,
                ..interposer("v1", "1.0", "yes", &["a"])
            },
            interposer("v2", "2.0", "yes", &["a"]),
        ];
        let e = report(&list, "v1", "v2", Some("SIGINT"), Path::new(LIFECYCLE)).unwrap_err();
        assert_eq!(e.exit, Exit::Kernel);
        assert_eq!(
            e.to_string(),
            "swap v1 -> v2: SIGINT ended it before the consumers moved: nothing was swapped; \
             v1 is started and serves pl_a"
        );
    }

    #[test]
    fn other_states_are_reported_as_they_are() {
        let gone = report_of(&after_swap(None), None);
        assert_eq!(gone.lines[1], "v1 has unloaded already");
        assert_eq!(gone.exit, Exit::Ok);
        let restarted = report_of(&after_swap(Some("started")), None);
        assert_eq!(
            restarted.lines[1],
            "v1 is started (another request moved it on since)"
        );
        assert_eq!(restarted.exit, Exit::Ok);
        // Older preloads show no state: the write's end says it.
        assert_eq!(report_of(&after_swap(Some("")), None).exit, Exit::Ok);
        assert_eq!(
            report_of(&after_swap(Some("")), Some("a signal")).exit,
            Exit::Quiescing
        );
        let none_served = [interposer("v2", "2.0", "yes", &["a"])];
        assert_eq!(
            report_of(&none_served, None).lines[0],
            "swapped v1 for v2; v2 now serves no consumers"
        );
    }

    #[test]
    fn a_refused_timeout_hints_at_an_older_preload() {
        let einval = io::Error::from_raw_os_error(EINVAL);
        assert!(write_failed("v1", "v2", Some(5), &einval)
            .to_string()
            .ends_with("a preload without swap timeouts refuses timeout=)"));
        assert_eq!(
            write_failed("v1", "v2", None, &einval).to_string(),
            "swap v1 -> v2 refused: the kernel refused it (Invalid argument; its log says why)"
        );
        let ebusy = io::Error::from_raw_os_error(EBUSY);
        assert_eq!(write_failed("v1", "v2", Some(5), &ebusy).exit, Exit::Kernel);
    }

    #[test]
    fn a_newer_swappable_version_is_allowed() {
        let list = [
            interposer("v1", "1.0", "yes", &["a", "b"]),
            interposer("v2", "2.0", "yes", &["a", "b", "c"]),
        ];
        assert_eq!(check(&list, "v1", "v2", false, ""), Ok(()));
    }

    #[test]
    fn refusals_say_why() {
        let list = [
            interposer("v1", "1.0", "yes", &["a", "b"]),
            interposer("v2", "2.0", "yes", &["a"]),
            interposer("v3", "3.0", "no", &["a", "b"]),
            interposer("v0", "0.9", "yes", &["a", "b"]),
            interposer("old", "1.0", "retired:v1", &["a", "b"]),
        ];
        let why =
            |old, new, force| check(&list, old, new, force, " (--force swaps anyway)").unwrap_err();
        assert_eq!(why("v1", "gone", false), "gone is not a loaded interposer");
        assert_eq!(
            why("v1", "v2", false),
            "v2 does not redefine b, which v1 does"
        );
        assert!(why("v1", "v3", false).contains("v3 is not swappable"));
        assert_eq!(
            why("v1", "v0", false),
            "v0's version 0.9 is not newer than v1's 1.0 (--force swaps anyway)"
        );
        assert_eq!(check(&list, "v1", "v0", true, ""), Ok(()));
        assert!(why("old", "v1", true).contains("old was swapped already"));
        assert_eq!(why("v1", "v1", true), "they are the same module");
    }

    #[test]
    fn swapping_back_to_the_retired_one_is_a_rollback() {
        let list = [
            interposer("v1", "1.0", "retired:v2", &["a"]),
            interposer("v2", "2.0", "yes", &["a"]),
        ];
        assert_eq!(check(&list, "v2", "v1", true, ""), Ok(()));
        assert!(check(&list, "v2", "v1", false, "").is_err());
    }

    #[test]
    fn both_must_be_started() {
        let with_state = |name, state: &str| Interposer {
            state: state.into(),
            ..interposer(
                name,
                if name == "v1" { "1.0" } else { "2.0" },
                "yes",
                &["a"],
            )
        };
        let why = |list: &[Interposer]| check(list, "v1", "v2", false, "").unwrap_err();
        assert_eq!(
            why(&[with_state("v1", "quiesced"), with_state("v2", "started")]),
            "v1 is quiesced, not started"
        );
        assert_eq!(
            why(&[with_state("v1", "started"), with_state("v2", "quiesced")]),
            "v2 is quiesced; start it first (preloadctl start v2)"
        );
        let both = [with_state("v1", "started"), with_state("v2", "started")];
        assert_eq!(check(&both, "v1", "v2", false, ""), Ok(()));
    }
}
