//! Upgrades by live swap: a bundle's module with `"swaps": "OLD"` is a new
//! version, under another name, of the loaded swappable interposer OLD.
//! `prepare` checks that the swap can happen (what the kernel would
//! refuse, judged from OLD as `/proc/preload/interposers` shows it and the
//! new module's `.modinfo`); `commit` loads the new version, moves OLD's
//! consumers to it while they run (`/proc/preload/swap`, bounded by
//! [`SWAP_TIMEOUT_MS`]) and, once the list names the new version, unloads
//! OLD; undoing the commit loads OLD again, swaps back and unloads the new
//! version. The consumers stay loaded throughout.

use super::bundle::Entry;
use super::plan::Swap;
use super::veto::Veto;
use crate::abi::ko::ModuleFile;
use crate::error::{describe, Error, Exit};
use crate::lifecycle::swap;
use crate::modules::LoadedModule;
use crate::procfs::{Interposer, Proc};
use crate::tools;
use std::path::Path;

/// How long a swap may wait for the old version's last call to return.
pub const SWAP_TIMEOUT_MS: u32 = 30_000;

/// What [`plan`] found.
#[derive(Debug, Default)]
pub struct Planned {
    /// The swaps that can happen.
    pub swaps: Vec<Swap>,
    /// One `no-swap` veto for each that cannot.
    pub vetoes: Vec<Veto>,
    /// A note for each with nothing to swap (the old version not loaded).
    pub notes: Vec<String>,
}

/// The swaps the bundle's modules ask for (`entries`, whose files are in
/// `dir`) on this machine, judged by its loaded modules and interposers.
pub fn plan(
    entries: &[&Entry],
    dir: &Path,
    interposers: &[Interposer],
    loaded: &[LoadedModule],
) -> Planned {
    let mut planned = Planned::default();
    for entry in entries {
        let Some(old) = &entry.swaps else {
            continue;
        };
        let new = &entry.name;
        let veto = |why: String| {
            Veto::new(
                "no-swap",
                new.clone(),
                format!("swap {old} -> {new}: {why}"),
            )
        };
        if let Some(first) = planned.swaps.iter().find(|s| s.old == *old) {
            planned.vetoes.push(veto(format!(
                "{old} is swapped to {} already by this bundle",
                first.new
            )));
            continue;
        }
        if loaded.iter().any(|m| m.name == *new) {
            planned.vetoes.push(veto(format!(
                "{new} is loaded already; the commit loads the new version itself"
            )));
            continue;
        }
        let Some(from) = interposers.iter().find(|i| i.name == *old) else {
            if loaded.iter().any(|m| m.name == *old) {
                planned
                    .vetoes
                    .push(veto(format!("{old} is loaded but is not an interposer")));
            } else {
                planned.notes.push(format!(
                    "{old} is not loaded: nothing to swap, {new} is installed"
                ));
            }
            continue;
        };
        let to = match ModuleFile::read(&dir.join(&entry.file)) {
            Ok(module) => interposer_of(new, &module),
            Err(e) => {
                planned
                    .vetoes
                    .push(veto(format!("cannot read {new}'s .modinfo: {e}")));
                continue;
            }
        };
        match swap::check(&[from.clone(), to], old, new, false, "") {
            Ok(()) => planned.swaps.push(Swap {
                old: old.clone(),
                new: new.clone(),
            }),
            Err(why) => planned.vetoes.push(veto(why)),
        }
    }
    planned
}

/// The interposer the module file `module` would be once loaded and
/// started, as `/proc/preload/interposers` would show it.
fn interposer_of(name: &str, module: &ModuleFile) -> Interposer {
    let mut symbols: Vec<String> = module
        .modinfo("interpose")
        .iter()
        .filter_map(|tag| tag.split_once(':').map(|(original, _)| original.to_owned()))
        .collect();
    symbols.sort();
    let swappable = module
        .modinfo("interpose_swappable")
        .first()
        .map(String::as_str)
        == Some("yes");
    Interposer {
        name: name.to_owned(),
        symbols,
        version: module.modinfo("version").into_iter().next(),
        swap: if swappable { "yes" } else { "no" }.to_owned(),
        state: "started".to_owned(),
        ..Interposer::default()
    }
}

/// Loads each new version and moves the old one's consumers to it.
pub fn swap_in(proc: &Proc, swaps: &[Swap]) -> Result<(), Error> {
    for s in swaps {
        tools::run("modprobe", &[&s.new]).map_err(|why| Error::new(Exit::Kernel, why))?;
        move_consumers(proc, &s.old, &s.new, false)?;
    }
    Ok(())
}

/// Unloads each old version, quiesced by its swap.
pub fn unload_old(swaps: &[Swap]) -> Result<(), Error> {
    for s in swaps {
        tools::run("rmmod", &[&s.old]).map_err(|why| Error::new(Exit::Kernel, why))?;
    }
    Ok(())
}

/// Undoes the swaps as far as they went, last first: if the new version
/// serves consumers, loads the old one again if it is gone and moves them
/// back to it; then unloads the new version (quiesced first if it is still
/// started and declares a quiesce handler). Returns the first failure,
/// after trying everything.
pub fn swap_back(proc: &Proc, swaps: &[Swap]) -> Result<(), Error> {
    let mut first_error = None;
    for s in swaps.iter().rev() {
        let result = (|| {
            let Some(new) = interposer(proc, &s.new)? else {
                return Ok(());
            };
            if new.bound > 0 {
                if interposer(proc, &s.old)?.is_none() {
                    tools::run("modprobe", &[&s.old])
                        .map_err(|why| Error::new(Exit::Kernel, why))?;
                }
                move_consumers(proc, &s.new, &s.old, true)?;
            } else if new.state == "started" && new.handlers.iter().any(|h| h == "quiesce") {
                proc.write_lifecycle("quiesce", &s.new)
                    .map_err(|e| kernel_error(&format!("quiesce {}", s.new), &e))?;
            }
            tools::run("rmmod", &[&s.new]).map_err(|why| Error::new(Exit::Kernel, why))
        })();
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Moves `old`'s consumers to `new` (`force`: even if `new` is not newer)
/// and checks that `old` is quiesced: its last call returned within
/// [`SWAP_TIMEOUT_MS`].
fn move_consumers(proc: &Proc, old: &str, new: &str, force: bool) -> Result<(), Error> {
    let request = swap::request(old, new, force, Some(SWAP_TIMEOUT_MS));
    proc.write_swap(&request)
        .map_err(|e| kernel_error(&format!("swap {old} -> {new}"), &e))?;
    let state = interposer(proc, old)?.map(|i| i.state);
    match state.as_deref() {
        None | Some("quiesced" | "") => Ok(()),
        Some(state) => Err(Error::new(
            Exit::Quiescing,
            format!(
                "swap {old} -> {new}: {old} is {state} after {} s: a call is still inside it",
                SWAP_TIMEOUT_MS / 1000
            ),
        )),
    }
}

/// The loaded interposer `name`, as `/proc/preload/interposers` shows it.
fn interposer(proc: &Proc, name: &str) -> Result<Option<Interposer>, Error> {
    Ok(proc
        .read_interposers()?
        .unwrap_or_default()
        .into_iter()
        .find(|i| i.name == name))
}

fn kernel_error(what: &str, e: &std::io::Error) -> Error {
    Error::new(
        Exit::Kernel,
        format!("{what} failed: {} (the kernel log says why)", describe(e)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::parse_loaded;
    use std::fs;

    /// The loaded `interposer` 1.0, redefining two symbols.
    fn old() -> Interposer {
        Interposer {
            name: "interposer".into(),
            bound: 1,
            consumers: vec!["pl_c".into()],
            symbols: vec!["sample_lib_compute".into(), "sample_lib_step".into()],
            version: Some("1.0".into()),
            swap: "yes".into(),
            state: "started".into(),
            handlers: Vec::new(),
        }
    }

    /// The plan for `interposer_v2` swapping `interposer`, its module file
    /// having `modinfo`, with `loaded` (`/proc/modules`) and the interposers.
    fn plan_for(modinfo: &str, loaded: &str, interposers: &[Interposer]) -> Planned {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("interposer_v2.ko");
        fs::write(
            &file,
            crate::abi::build_elf(&[(".modinfo", modinfo.as_bytes())], &[]),
        )
        .unwrap();
        let entry = Entry {
            name: "interposer_v2".into(),
            file: "interposer_v2.ko".into(),
            sha256: String::new(),
            version: "2.0".into(),
            release: None,
            swaps: Some("interposer".into()),
        };
        plan(&[&entry], dir.path(), interposers, &parse_loaded(loaded))
    }

    const NEW: &str = "version=2.0\0interpose=sample_lib_compute:c2\0\
                       interpose=sample_lib_step:s2\0interpose_swappable=yes\0";
    const LOADED: &str = "interposer 1 1 pl_c, Live 0x0\npl_c 1 0 - Live 0x0\n";

    #[test]
    fn a_newer_swappable_version_with_every_symbol_is_swapped_in() {
        let planned = plan_for(NEW, LOADED, &[old()]);
        assert_eq!(
            planned.swaps,
            [Swap {
                old: "interposer".into(),
                new: "interposer_v2".into()
            }]
        );
        assert!(planned.vetoes.is_empty() && planned.notes.is_empty());
    }

    #[test]
    fn a_swap_that_cannot_happen_is_a_veto_saying_why() {
        let vetoed = |modinfo: &str, loaded: &str| {
            let planned = plan_for(modinfo, loaded, &[old()]);
            assert!(planned.swaps.is_empty());
            let veto = &planned.vetoes[0];
            assert_eq!(
                (veto.reason, veto.subject.as_str()),
                ("no-swap", "interposer_v2")
            );
            veto.detail.clone()
        };
        assert_eq!(
            vetoed(&NEW.replace("version=2.0", "version=0.9"), LOADED),
            "swap interposer -> interposer_v2: interposer_v2's version 0.9 is not newer than \
             interposer's 1.0"
        );
        assert!(vetoed(&NEW.replace("interpose_swappable=yes", ""), LOADED)
            .ends_with("interposer_v2 is not swappable (no interpose_swappable=yes)"));
        assert!(
            vetoed(&NEW.replace("interpose=sample_lib_step:s2", ""), LOADED).ends_with(
                "interposer_v2 does not redefine sample_lib_step, which interposer does"
            )
        );
        assert!(
            vetoed(NEW, &format!("{LOADED}interposer_v2 1 0 - Live 0x0\n")).ends_with(
                "interposer_v2 is loaded already; the commit loads the new version itself"
            )
        );
        let mut quiesced = old();
        quiesced.state = "quiesced".into();
        let planned = plan_for(NEW, LOADED, &[quiesced]);
        assert!(planned.vetoes[0]
            .detail
            .ends_with("interposer is quiesced, not started"));
        let planned = plan_for(NEW, LOADED, &[]);
        assert!(planned.vetoes[0]
            .detail
            .ends_with("interposer is loaded but is not an interposer"));
    }

    #[test]
    fn one_old_version_is_swapped_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut entries = Vec::new();
        for name in ["interposer_v2", "interposer_v3"] {
            let file = format!("{name}.ko");
            fs::write(
                dir.path().join(&file),
                crate::abi::build_elf(&[(".modinfo", NEW.as_bytes())], &[]),
            )
            .unwrap();
            entries.push(Entry {
                name: name.into(),
                file: file.into(),
                sha256: String::new(),
                version: "2.0".into(),
                release: None,
                swaps: Some("interposer".into()),
            });
        }
        let planned = plan(
            &entries.iter().collect::<Vec<_>>(),
            dir.path(),
            &[old()],
            &parse_loaded(LOADED),
        );
        assert_eq!(planned.swaps.len(), 1);
        assert_eq!(
            planned.vetoes[0].detail,
            "swap interposer -> interposer_v3: interposer is swapped to interposer_v2 already by \
             this bundle"
        );
    }

    #[test]
    fn nothing_is_swapped_when_the_old_version_is_not_loaded() {
        let planned = plan_for(NEW, "pl_c 1 0 - Live 0x0\n", &[]);
        assert!(planned.swaps.is_empty() && planned.vetoes.is_empty());
        assert_eq!(
            planned.notes,
            ["interposer is not loaded: nothing to swap, interposer_v2 is installed"]
        );
    }
}
