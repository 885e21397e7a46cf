//! `preloadctl start|quiesce|stop MODULE`: moving an interposer through its
//! lifecycle (`/proc/preload/lifecycle`) and unloading it. The kernel alone
//! decides whether a transition is allowed; when it refuses, the reason is
//! read back from its errno and what `/proc/preload/interposers` shows, so
//! the user sees why (the kernel log says it too).

use crate::context::Context;
use crate::error::{describe, Error, Exit};
use crate::modules::{canonical, LoadedModule};
use crate::procfs::errno::{EBUSY, EINTR, EINVAL, ENOENT};
use crate::procfs::Interposer;
use crate::tools;
use std::io;

/// A request `/proc/preload/lifecycle` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    Start,
    Quiesce,
}

impl Request {
    /// The word written for it, which is also the handler it calls.
    fn word(self) -> &'static str {
        match self {
            Request::Start => "start",
            Request::Quiesce => "quiesce",
        }
    }

    /// What is printed once it is done.
    fn done(self) -> &'static str {
        match self {
            Request::Start => "started",
            Request::Quiesce => "quiesced",
        }
    }
}

/// `preloadctl start MODULE` and `preloadctl quiesce MODULE`; with
/// `dry_run`, only says whether the state `/proc/preload/interposers` shows
/// allows it.
pub fn request(
    ctx: &Context,
    request: Request,
    module: &str,
    dry_run: bool,
) -> Result<Exit, Error> {
    let name = canonical(module);
    let word = request.word();
    if dry_run {
        let what = format!("{word} {name}");
        let proc = &ctx.proc;
        proc.require_preload()?;
        if !proc.lifecycle_path().exists() {
            return Err(no_lifecycle(ctx));
        }
        if proc.has_cap_sys_module() == Some(false) {
            return Err(permission_denied(&what));
        }
        let interposers = proc.read_interposers()?.unwrap_or_default();
        let would = predict(&interposers, request, &name)
            .map_err(|why| Failure::Refused(why).into_error(&what))?;
        println!("{would}");
        println!("dry run: nothing was changed");
        return Ok(Exit::Ok);
    }
    send(ctx, request, &name, word).map_err(|e| e.into_error(&format!("{word} {name}")))?;
    println!("{} {name}", request.done());
    Ok(Exit::Ok)
}

/// `preloadctl stop MODULE`: quiesces it if it is started, then `rmmod`;
/// with `dry_run`, says which it would do, or why it refuses.
pub fn stop(ctx: &Context, module: &str, dry_run: bool) -> Result<Exit, Error> {
    let name = canonical(module);
    let what = format!("stop {name}");
    let proc = &ctx.proc;
    proc.require_preload()?;
    if proc.has_cap_sys_module() == Some(false) {
        return Err(permission_denied(&what));
    }
    let interposers = proc.read_interposers()?.unwrap_or_default();
    let plan = plan_stop(&interposers, &proc.loaded_modules()?, &name)
        .map_err(|why| Failure::Refused(why).into_error(&what))?;
    if dry_run {
        println!(
            "would {} {name} (rmmod {name})",
            match plan {
                Stop::QuiesceFirst => "quiesce, then unload",
                Stop::Quiesced => "unload the quiesced",
                Stop::Unload => "unload",
            }
        );
        println!("dry run: nothing was changed");
        return Ok(Exit::Ok);
    }
    if plan == Stop::QuiesceFirst {
        send(ctx, Request::Quiesce, &name, "stop").map_err(|e| e.into_error(&what))?;
    }
    tools::run("rmmod", &[&name]).map_err(|why| {
        let stays = match plan {
            Stop::QuiesceFirst | Stop::Quiesced => "stays loaded, quiesced",
            Stop::Unload => "stays loaded",
        };
        Error::new(Exit::Kernel, format!("{what}: {why}; {name} {stays}"))
    })?;
    println!(
        "stopped {name}: {}",
        match plan {
            Stop::QuiesceFirst => "quiesced and unloaded",
            Stop::Quiesced => "unloaded (it was quiesced already)",
            Stop::Unload => "unloaded",
        }
    );
    Ok(Exit::Ok)
}

/// Why a request failed: it was refused, for a reason still to be worded
/// by the command, or something else went wrong.
enum Failure {
    Refused(String),
    Other(Error),
}

impl Failure {
    /// The error to report for `what` (`start NAME`): `WHAT refused: WHY`.
    fn into_error(self, what: &str) -> Error {
        match self {
            Failure::Refused(why) => Error::new(Exit::Kernel, format!("{what} refused: {why}")),
            Failure::Other(e) => e,
        }
    }
}

/// Writes `request NAME` to `/proc/preload/lifecycle`; a refusal says why,
/// advising to run `again` if it was interrupted.
fn send(ctx: &Context, request: Request, name: &str, again: &str) -> Result<(), Failure> {
    let proc = &ctx.proc;
    proc.require_preload().map_err(Failure::Other)?;
    if !proc.lifecycle_path().exists() {
        return Err(Failure::Other(no_lifecycle(ctx)));
    }
    let Err(e) = proc.write_lifecycle(request.word(), name) else {
        return Ok(());
    };
    // A handler may fail with EPERM too; only without the capability is it ours.
    if e.kind() == io::ErrorKind::PermissionDenied && proc.has_cap_sys_module() != Some(true) {
        return Err(Failure::Other(permission_denied(&format!(
            "{} {name}",
            request.word()
        ))));
    }
    let interposers = proc
        .read_interposers()
        .map_err(Failure::Other)?
        .unwrap_or_default();
    Err(Failure::Refused(why(
        &interposers,
        request,
        name,
        &e,
        again,
    )))
}

fn no_lifecycle(ctx: &Context) -> Error {
    Error::new(
        Exit::Kernel,
        format!(
            "{} does not exist: this preload has no interposer lifecycle (update preload.ko)",
            ctx.proc.lifecycle_path().display()
        ),
    )
}

/// What `request NAME` would do, judged by the state the interposers show,
/// or why the kernel would refuse it. The kernel alone decides: a handler
/// may still fail, and an older preload shows no state to judge by.
fn predict(interposers: &[Interposer], request: Request, name: &str) -> Result<String, String> {
    let Some(interposer) = interposers.iter().find(|i| i.name == name) else {
        return Err(format!("{name} is not a loaded interposer"));
    };
    let handler = |word: &str| match interposer.handlers.iter().any(|h| h == word) {
        true => format!("; its {word} handler runs"),
        false => String::new(),
    };
    match (request, interposer.state.as_str()) {
        (_, "") => Ok(format!(
            "would ask preload to {} {name}; this preload shows no lifecycle state, so only \
             the kernel can tell whether it is allowed",
            request.word()
        )),
        (Request::Start, "loaded" | "quiesced") => Ok(format!(
            "would start {name} (it is {}){}",
            interposer.state,
            handler("start")
        )),
        (Request::Start, "started") => Err(format!("{name} is already started")),
        (Request::Start, "quiescing") => Err(format!("{name} is quiescing")),
        (Request::Quiesce, _) if interposer.bound > 0 => Err(serves(interposer)),
        (Request::Quiesce, "started" | "quiescing") => Ok(format!(
            "would quiesce {name} (it is {}): wait until no call runs in it{}",
            interposer.state,
            handler("quiesce")
        )),
        (Request::Quiesce, "loaded") => Err(format!("{name} is not started")),
        (Request::Quiesce, "quiesced") => Err(format!("{name} is already quiesced")),
        (_, other) => Err(format!(
            "{name} is {other}, a state this preloadctl does not know"
        )),
    }
}

fn permission_denied(what: &str) -> Error {
    Error::new(
        Exit::Permission,
        format!("permission denied: root (CAP_SYS_MODULE) is needed to {what}"),
    )
}

/// Why the kernel refused `request NAME` with `err`, judged by the
/// interposers it shows now; `again` is the command to run again after an
/// interrupted quiesce.
fn why(
    interposers: &[Interposer],
    request: Request,
    name: &str,
    err: &io::Error,
    again: &str,
) -> String {
    let found = interposers.iter().find(|i| i.name == name);
    let state = found.map_or("", |i| i.state.as_str());
    let kernel_refused = || {
        format!(
            "the kernel refused it ({}; its log says why)",
            describe(err)
        )
    };
    match (request, err.raw_os_error()) {
        (_, Some(ENOENT)) => format!("{name} is not a loaded interposer"),
        (Request::Start, Some(EINVAL)) => match state {
            "started" => format!("{name} is already started"),
            "quiescing" => format!("{name} is quiescing"),
            _ => kernel_refused(),
        },
        (Request::Quiesce, Some(EINVAL)) => match state {
            "loaded" => format!("{name} is not started"),
            "quiesced" => format!("{name} is already quiesced"),
            _ => kernel_refused(),
        },
        (Request::Quiesce, Some(EBUSY)) => match found {
            Some(i) if i.bound > 0 => serves(i),
            _ => format!("{name} served consumers when asked; try again"),
        },
        (Request::Quiesce, Some(EINTR)) => format!(
            "interrupted while calls were still running; {name} stays quiescing (run {again} again)"
        ),
        _ => match found {
            Some(i) if i.handlers.iter().any(|h| h == request.word()) => format!(
                "{name}'s {} handler failed: {}; {name} stays {}",
                request.word(),
                describe(err),
                if state.is_empty() { "as it was" } else { state }
            ),
            _ => kernel_refused(),
        },
    }
}

/// `NAME serves N consumer(s): A, B (...)`.
fn serves(interposer: &Interposer) -> String {
    format!(
        "{} serves {} consumer(s): {} (swap them to another interposer or unload them first)",
        interposer.name,
        interposer.bound,
        interposer.consumers.join(", ")
    )
}

/// What `stop` does before `rmmod`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    /// It is started (or was interrupted quiescing): quiesce it first.
    QuiesceFirst,
    /// It is quiesced already.
    Quiesced,
    /// Nothing holds it: it has no quiesce handler, or this preload has no
    /// lifecycle.
    Unload,
}

/// What `stop NAME` does, judged by the interposers and the loaded
/// modules, or why it refuses.
fn plan_stop(
    interposers: &[Interposer],
    loaded: &[LoadedModule],
    name: &str,
) -> Result<Stop, String> {
    let Some(interposer) = interposers.iter().find(|i| i.name == name) else {
        return Err(if loaded.iter().any(|m| m.name == name) {
            format!("{name} is not an interposer preload manages; use rmmod")
        } else {
            format!("{name} is not loaded")
        });
    };
    if interposer.bound > 0 {
        return Err(serves(interposer));
    }
    // preload holds an interposer with a quiesce handler only while it is
    // started: one left `loaded` (its start handler failed) unloads as is.
    match interposer.state.as_str() {
        "started" | "quiescing" => Ok(Stop::QuiesceFirst),
        "quiesced" => Ok(Stop::Quiesced),
        "loaded" | "" => Ok(Stop::Unload),
        other => Err(format!(
            "{name} is {other}, a state this preloadctl does not know"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interposer(name: &str, state: &str, handlers: &[&str], consumers: &[&str]) -> Interposer {
        Interposer {
            name: name.into(),
            bound: consumers.len() as u64,
            consumers: consumers.iter().map(|c| c.to_string()).collect(),
            state: state.into(),
            handlers: handlers.iter().map(|h| h.to_string()).collect(),
            ..Interposer::default()
        }
    }

    fn list() -> Vec<Interposer> {
        vec![
            interposer("fresh", "loaded", &["start", "quiesce"], &[]),
            interposer("plain", "loaded", &[], &[]),
            interposer("running", "started", &["start", "quiesce"], &[]),
            interposer("busy", "started", &["quiesce"], &["pl_a", "pl_b"]),
            interposer("halfway", "quiescing", &["quiesce"], &[]),
            interposer("done", "quiesced", &["start", "quiesce"], &[]),
            interposer("old", "", &[], &[]),
        ]
    }

    fn errno(code: i32) -> io::Error {
        io::Error::from_raw_os_error(code)
    }

    #[test]
    fn start_refusals_say_why() {
        let why = |name, code| why(&list(), Request::Start, name, &errno(code), "start");
        assert_eq!(why("gone", ENOENT), "gone is not a loaded interposer");
        assert_eq!(why("running", EINVAL), "running is already started");
        assert_eq!(why("halfway", EINVAL), "halfway is quiescing");
        assert_eq!(
            why("fresh", EINVAL),
            "the kernel refused it (Invalid argument; its log says why)"
        );
        assert_eq!(
            why("fresh", 12),
            "fresh's start handler failed: Cannot allocate memory; fresh stays loaded"
        );
        assert_eq!(
            why("plain", 5),
            "the kernel refused it (Input/output error; its log says why)"
        );
    }

    #[test]
    fn quiesce_refusals_say_why() {
        let why = |name, code| why(&list(), Request::Quiesce, name, &errno(code), "quiesce");
        assert_eq!(why("gone", ENOENT), "gone is not a loaded interposer");
        assert_eq!(why("fresh", EINVAL), "fresh is not started");
        assert_eq!(why("done", EINVAL), "done is already quiesced");
        assert_eq!(
            why("busy", EBUSY),
            "busy serves 2 consumer(s): pl_a, pl_b \
             (swap them to another interposer or unload them first)"
        );
        assert_eq!(
            why("running", EBUSY),
            "running served consumers when asked; try again"
        );
        assert_eq!(
            why("halfway", EINTR),
            "interrupted while calls were still running; halfway stays quiescing (run quiesce again)"
        );
        assert_eq!(
            why("running", 5),
            "running's quiesce handler failed: Input/output error; running stays started"
        );
        assert_eq!(
            why("running", EINVAL),
            "the kernel refused it (Invalid argument; its log says why)"
        );
    }

    #[test]
    fn an_interrupted_stop_says_to_run_stop_again() {
        assert!(
            why(&list(), Request::Quiesce, "halfway", &errno(EINTR), "stop")
                .ends_with("(run stop again)")
        );
    }

    #[test]
    fn stop_quiesces_only_what_needs_it() {
        let plan = |name| plan_stop(&list(), &[], name);
        assert_eq!(plan("running"), Ok(Stop::QuiesceFirst));
        assert_eq!(plan("halfway"), Ok(Stop::QuiesceFirst));
        assert_eq!(plan("done"), Ok(Stop::Quiesced));
        assert_eq!(plan("plain"), Ok(Stop::Unload));
        assert_eq!(plan("fresh"), Ok(Stop::Unload));
        assert_eq!(plan("old"), Ok(Stop::Unload));
    }

    #[test]
    fn stop_refusals_say_why() {
        let loaded = [LoadedModule {
            name: "pl_a".into(),
            refcount: 0,
            used_by: vec![],
        }];
        let plan = |name| plan_stop(&list(), &loaded, name).unwrap_err();
        assert_eq!(
            plan("pl_a"),
            "pl_a is not an interposer preload manages; use rmmod"
        );
        assert_eq!(plan("gone"), "gone is not loaded");
        assert!(plan("busy").starts_with("busy serves 2 consumer(s): pl_a, pl_b"));
        let odd = [interposer("odd", "frozen", &[], &[])];
        assert_eq!(
            plan_stop(&odd, &[], "odd").unwrap_err(),
            "odd is frozen, a state this preloadctl does not know"
        );
    }
}
