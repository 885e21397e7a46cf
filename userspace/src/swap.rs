//! `preloadctl swap OLD NEW [--force]`: moves the consumers of the swappable
//! interposer OLD to NEW while they run (`/proc/preload/swap`). What the
//! kernel would refuse for what `/proc/preload/interposers` shows is checked
//! here first, so the reason is printed; the kernel checks again, and its
//! log has the reason for what only it sees.

use crate::context::Context;
use crate::error::{Error, Exit};
use crate::procfs::errno::{EBUSY, EINTR};
use crate::procfs::Interposer;
use preload_deps::interpose::version_newer;
use std::io;

/// Runs the command.
pub fn run(ctx: &Context, old: &str, new: &str, force: bool) -> Result<Exit, Error> {
    let proc = &ctx.proc;
    proc.require_preload()?;
    let interposers = proc.read_interposers()?.unwrap_or_default();
    check(&interposers, old, new, force).map_err(|why| refused(old, new, &why))?;
    proc.write_swap(old, new, force)
        .map_err(|e| match e.raw_os_error() {
            Some(EBUSY) => refused(
                old,
                new,
                &format!("a consumer of {old} is loading or unloading; try again"),
            ),
            Some(EINTR) => Error::new(
                Exit::Kernel,
                format!(
                    "swap {old} -> {new}: interrupted while calls were still running in {old}; \
                     {new} serves its consumers, {old} stays quiescing \
                     (preloadctl quiesce {old} finishes it)"
                ),
            ),
            _ if e.kind() == io::ErrorKind::PermissionDenied => Error::new(
                Exit::Permission,
                "permission denied: root (CAP_SYS_MODULE) is needed to swap",
            ),
            _ => refused(
                old,
                new,
                &format!("the kernel refused it ({e}; its log says why)"),
            ),
        })?;
    let consumers = proc
        .read_interposers()?
        .unwrap_or_default()
        .into_iter()
        .find(|i| i.name == new)
        .map(|i| i.consumers)
        .unwrap_or_default();
    println!(
        "swapped {old} for {new}; {new} now serves {}",
        if consumers.is_empty() {
            "no consumers".into()
        } else {
            consumers.join(", ")
        }
    );
    println!(
        "{old} is quiesced: no call is left in it, and it may be unloaded (rmmod {old}); \
         the list still names {old}, whose consumers {new} serves while {old} is loaded: \
         name {new} in the config to keep it so"
    );
    Ok(Exit::Ok)
}

fn refused(old: &str, new: &str, why: &str) -> Error {
    Error::new(Exit::Kernel, format!("swap {old} -> {new} refused: {why}"))
}

/// Why the kernel would refuse the swap, judged by the interposers it shows.
fn check(interposers: &[Interposer], old: &str, new: &str, force: bool) -> Result<(), String> {
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
            "{new}'s version {} is not newer than {old}'s {} (--force swaps anyway)",
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
    fn a_newer_swappable_version_is_allowed() {
        let list = [
            interposer("v1", "1.0", "yes", &["a", "b"]),
            interposer("v2", "2.0", "yes", &["a", "b", "c"]),
        ];
        assert_eq!(check(&list, "v1", "v2", false), Ok(()));
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
        let why = |old, new, force| check(&list, old, new, force).unwrap_err();
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
        assert_eq!(check(&list, "v1", "v0", true), Ok(()));
        assert!(why("old", "v1", true).contains("old was swapped already"));
        assert_eq!(why("v1", "v1", true), "they are the same module");
    }

    #[test]
    fn swapping_back_to_the_retired_one_is_a_rollback() {
        let list = [
            interposer("v1", "1.0", "retired:v2", &["a"]),
            interposer("v2", "2.0", "yes", &["a"]),
        ];
        assert_eq!(check(&list, "v2", "v1", true), Ok(()));
        assert!(check(&list, "v2", "v1", false).is_err());
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
        let why = |list: &[Interposer]| check(list, "v1", "v2", false).unwrap_err();
        assert_eq!(
            why(&[with_state("v1", "quiesced"), with_state("v2", "started")]),
            "v1 is quiesced, not started"
        );
        assert_eq!(
            why(&[with_state("v1", "started"), with_state("v2", "quiesced")]),
            "v2 is quiesced; start it first (preloadctl start v2)"
        );
        let both = [with_state("v1", "started"), with_state("v2", "started")];
        assert_eq!(check(&both, "v1", "v2", false), Ok(()));
    }
}
