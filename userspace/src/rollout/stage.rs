//! `preloadctl prepare BUNDLE` and `abort`: check a bundle against this
//! machine and stage what changes under `/var/lib/preloadctl/staged/`, or veto it,
//! without touching the live list, the config or the installed modules.

use super::bundle::{sha256_file, Bundle, Entry};
use super::live_swap;
use super::plan::{Change, Plan};
use super::signature::{self, Signed};
use super::veto::{self, Veto};
use crate::abi::staged::{self as abi_staged, Verdict};
use crate::config::{self, missing_modules};
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::kernels;
use crate::modules::Installed;
use crate::output::note;
use crate::store::live_list;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What `prepare` was asked.
pub struct Options {
    /// The bundle: a directory or a tarball.
    pub bundle: PathBuf,
    /// Print JSON instead of text.
    pub json: bool,
    /// Accept loaded modules the change reaches only by reloading them; the
    /// commit unloads and loads them again.
    pub reload_consumers: bool,
    /// Accept a bundle without a signature (or a machine that trusts no
    /// key); a bad signature still vetoes.
    pub allow_unsigned: bool,
    /// How long a veto hook may run, unless its `NAME.timeout` says.
    pub hook_timeout: Duration,
}

/// One line of the report: a file of the bundle and what happens to it.
struct Row {
    kind: &'static str,
    name: String,
    version: String,
    action: &'static str,
}

/// Everything `prepare` found.
#[derive(Default)]
struct Outcome {
    plan: Plan,
    rows: Vec<Row>,
    vetoes: Vec<Veto>,
    notes: Vec<String>,
    staged: Option<PathBuf>,
    signed_by: Option<String>,
}

/// Checks the bundle and stages it, or reports why not (exit code 7).
pub fn prepare(ctx: &Context, options: &Options) -> Result<Exit, Error> {
    ctx.proc.require_preload()?;
    let live_text = ctx.proc.read_deps()?;
    let live = live_list(&ctx.proc, &live_text)?;
    let building = ctx.state_dir.join("staged.new");
    remove_dir(&building)?;
    let mut outcome = Outcome::default();
    outcome.plan.live = live_text;

    match Bundle::open(&options.bundle, &ctx.state_dir.join("unpacked")) {
        Err(why) => {
            let subject = options.bundle.display().to_string();
            outcome.vetoes.push(Veto::new("bad-bundle", subject, why));
        }
        Ok(bundle) => {
            outcome.plan.name = bundle.manifest.name.clone();
            outcome.plan.manifest_sha256 = bundle.manifest.sha256.clone();
            let result = match signature::check(
                &bundle.dir,
                &bundle.manifest_text,
                &ctx.trusted_dir(),
                &ctx.state_dir.join("signers"),
                options.allow_unsigned,
            ) {
                Err(veto) => {
                    outcome.vetoes.push(veto);
                    Ok(())
                }
                Ok(signed) => {
                    match signed {
                        Signed::By(principal) => outcome.signed_by = Some(principal),
                        Signed::Unchecked(why) => outcome
                            .notes
                            .push(format!("signature not checked: {why} (--allow-unsigned)")),
                    }
                    stage(ctx, options, &bundle, &live, &building, &mut outcome)
                }
            };
            if result.is_err() || !outcome.vetoes.is_empty() {
                // Best effort: the staging area is rebuilt by the next prepare.
                let _ = fs::remove_dir_all(&building);
            }
            result?;
        }
    }
    if outcome.vetoes.is_empty() {
        let staged = ctx.staged_dir();
        if let Some(old) = Plan::read(&staged)? {
            outcome
                .notes
                .push(format!("replaced the change staged before ({})", old.name));
        }
        remove_dir(&staged)?;
        fs::rename(&building, &staged)
            .map_err(|e| Error::io("cannot rename into place", &staged, &e))?;
        outcome.vetoes = veto::run_hooks(
            &ctx.veto_dir(),
            &staged,
            &outcome.plan.name,
            options.hook_timeout,
        )?;
        if outcome.vetoes.is_empty() {
            outcome.staged = Some(staged);
        } else {
            remove_dir(&staged)?;
        }
    }
    report(&outcome, options.json)
}

/// Checks each file of the bundle, builds the plan and copies what changes
/// into `building`; vetoes go into `outcome`.
fn stage(
    ctx: &Context,
    options: &Options,
    bundle: &Bundle,
    live: &config::Config,
    building: &Path,
    outcome: &mut Outcome,
) -> Result<(), Error> {
    let modules_dir = ctx.modules_dir()?;
    let mut installed = Installed::scan(&modules_dir)?;
    let manifest = &bundle.manifest;

    // The config after the commit: the bundle's list files replace the
    // snippets of the same name.
    let mut snippets = std::collections::BTreeMap::new();
    let mut main = Vec::new();
    for source in ctx.sources(Vec::new())? {
        if source.parent() == Some(ctx.snippets_dir().as_path()) {
            let name = source.file_name().unwrap_or_default().to_owned();
            snippets.insert(name, source);
        } else {
            main.push(source);
        }
    }
    for entry in &manifest.lists {
        let source = bundle.dir.join(&entry.file);
        if !verified(&source, entry, outcome)? {
            continue;
        }
        let target = ctx.snippets_dir().join(&entry.name);
        snippets.insert(entry.name.clone().into(), source.clone());
        let old = hash_if_exists(&target)?;
        let action = match &old {
            Some(old) if *old == entry.sha256 => "unchanged",
            Some(_) => "replace",
            None => "install",
        };
        outcome.rows.push(Row {
            kind: "list",
            name: entry.name.clone(),
            version: String::new(),
            action,
        });
        if action == "unchanged" {
            continue;
        }
        let staged = Path::new("lists").join(&entry.name);
        copy(&source, &building.join(&staged))?;
        outcome.plan.changes.push(Change {
            kind: "list".into(),
            name: entry.name.clone(),
            version: String::new(),
            staged,
            replaces: old.is_some().then(|| target.clone()),
            target,
            old_sha256: old,
            sha256: entry.sha256.clone(),
        });
    }

    let mut staged_modules = Vec::new();
    let (modules, uncovered) = manifest.modules_for(&kernels::running_release(ctx)?);
    outcome.vetoes.extend(uncovered);
    for entry in modules.iter().copied() {
        let source = bundle.dir.join(&entry.file);
        if !verified(&source, entry, outcome)? {
            continue;
        }
        let file_name = format!("{}.ko", entry.name);
        let (target, old) = match installed.file(&entry.name) {
            Some(path) if path.as_os_str().is_empty() => {
                outcome.vetoes.push(Veto::new(
                    "bad-bundle",
                    entry.name.clone(),
                    format!(
                        "{} is built into the kernel; a bundle cannot replace it",
                        entry.name
                    ),
                ));
                continue;
            }
            Some(path) => (
                path.with_file_name(&file_name),
                Some((path.to_owned(), hash(path)?)),
            ),
            None => (modules_dir.join("extra").join(&file_name), None),
        };
        let action = match &old {
            Some((_, sha)) if *sha == entry.sha256 => "unchanged",
            Some(_) => "replace",
            None => "install",
        };
        outcome.rows.push(Row {
            kind: "module",
            name: entry.name.clone(),
            version: entry.version.clone(),
            action,
        });
        if action == "unchanged" {
            outcome.plan.unchanged.push(entry.name.clone());
            continue;
        }
        let staged = Path::new("modules").join(&file_name);
        copy(&source, &building.join(&staged))?;
        staged_modules.push((entry.name.clone(), building.join(&staged)));
        installed.add(&entry.name, target.clone());
        let (replaces, old_sha256) = old.map_or((None, None), |(p, s)| (Some(p), Some(s)));
        outcome.plan.changes.push(Change {
            kind: "module".into(),
            name: entry.name.clone(),
            version: entry.version.clone(),
            staged,
            target,
            replaces,
            old_sha256,
            sha256: entry.sha256.clone(),
        });
    }

    main.extend(snippets.into_values());
    let loaded = config::load(&main);
    if !loaded.errors.is_empty() {
        for diagnostic in &loaded.errors {
            let subject = diagnostic.place.file.display().to_string();
            let detail = format!("the list does not check: {diagnostic}");
            outcome
                .vetoes
                .push(Veto::new("invalid-list", subject, detail));
        }
        return Ok(());
    }
    let new = loaded.config;
    for missing in missing_modules(&new, &installed, &modules_dir, true) {
        if !missing.warning {
            let subject = missing.place.to_string();
            let detail = format!("{missing} (nor in the bundle)");
            outcome
                .vetoes
                .push(Veto::new("missing-module", subject, detail));
        }
    }
    outcome.plan.list = new.canonical();
    outcome.plan.entries = new.entries();

    let replaced: BTreeSet<String> = outcome.plan.modules().map(|c| c.name.clone()).collect();
    let loaded_modules = ctx.proc.loaded_modules()?;
    let interposers = ctx.proc.read_interposers()?.unwrap_or_default();
    let planned = live_swap::plan(&modules, &bundle.dir, &interposers, &loaded_modules);
    outcome.vetoes.extend(planned.vetoes);
    outcome.notes.extend(planned.notes);
    let swaps = planned.swaps;
    // A consumer whose dependencies change only from an old version to the
    // new one it is swapped to stays loaded.
    let swapped: BTreeMap<String, String> = swaps
        .iter()
        .map(|s| (s.old.clone(), s.new.clone()))
        .collect();
    outcome.plan.swaps = swaps;
    if replaced.contains("preload") && loaded_modules.iter().any(|m| m.name == "preload") {
        outcome.notes.push(
            "preload.ko is replaced: the loaded preload keeps running until it is loaded \
             again (preloadctl restart, or a reboot)"
                .into(),
        );
    }
    let reload = veto::loaded_modules(live, &new, &loaded_modules, &replaced, &swapped);
    if options.reload_consumers {
        outcome.plan.reload = reload.order;
    } else {
        outcome.vetoes.extend(veto::reload_vetoes(&reload));
    }

    match abi_staged::check(ctx, &staged_modules)? {
        Verdict::Checked(breaks) => {
            for (module, why) in breaks {
                outcome.vetoes.push(Veto::new("abi", module, why));
            }
        }
        Verdict::NotChecked(why) => outcome.notes.push(format!("abi: not checked: {why}")),
    }
    if outcome.vetoes.is_empty() {
        outcome.plan.write(building)?;
    }
    Ok(())
}

/// Whether the bundle's file matches its manifest entry; a missing or
/// different file is a veto.
fn verified(source: &Path, entry: &Entry, outcome: &mut Outcome) -> Result<bool, Error> {
    let veto = match hash_if_exists(source)? {
        Some(sha) if sha == entry.sha256 => return Ok(true),
        Some(sha) => Veto::new(
            "hash-mismatch",
            entry.name.clone(),
            format!(
                "{}: sha256 is {sha}, the manifest says {} (corrupt or tampered)",
                entry.file.display(),
                entry.sha256
            ),
        ),
        None => Veto::new(
            "missing-module",
            entry.name.clone(),
            format!(
                "{}: named in the manifest but not in the bundle",
                entry.file.display()
            ),
        ),
    };
    outcome.vetoes.push(veto);
    Ok(false)
}

/// Drops the staged change, or with `dry_run` says which it would drop.
pub fn abort(ctx: &Context, dry_run: bool) -> Result<Exit, Error> {
    let staged = ctx.staged_dir();
    let plan = Plan::read(&staged)?;
    if dry_run {
        match plan {
            Some(plan) => println!(
                "would drop the staged change {} ({})",
                plan.name,
                staged.display()
            ),
            None => println!("nothing is staged"),
        }
        println!("dry run: nothing was changed");
        return Ok(Exit::Ok);
    }
    match plan {
        Some(plan) => println!("dropped the staged change {}", plan.name),
        None => println!("nothing is staged"),
    }
    remove_dir(&staged)?;
    Ok(Exit::Ok)
}

fn report(outcome: &Outcome, json: bool) -> Result<Exit, Error> {
    let plan = &outcome.plan;
    let exit = if outcome.vetoes.is_empty() {
        Exit::Ok
    } else {
        Exit::Vetoed
    };
    if json {
        let files: Vec<Value> = outcome
            .rows
            .iter()
            .map(|r| json!({"kind": r.kind, "name": r.name, "version": r.version, "action": r.action}))
            .collect();
        let vetoes: Vec<Value> = outcome.vetoes.iter().map(Veto::to_json).collect();
        let out = json!({
            "verdict": if exit == Exit::Ok { "ok" } else { "veto" },
            "bundle": plan.name,
            "manifest_sha256": plan.manifest_sha256,
            "signed_by": outcome.signed_by,
            "staged": outcome.staged,
            "files": files,
            "list": {"entries": plan.entries, "changed": plan.list != plan.live},
            "reload": plan.reload,
            "swaps": plan.swaps.iter().map(|s| json!({"old": s.old, "new": s.new})).collect::<Vec<_>>(),
            "vetoes": vetoes,
            "notes": outcome.notes,
        });
        println!("{out}");
        return Ok(exit);
    }
    for note in &outcome.notes {
        note!("preloadctl: note: {note}");
    }
    if exit != Exit::Ok {
        let lines = outcome.vetoes.iter().map(ToString::to_string).collect();
        let message = format!(
            "prepare vetoed {} (vetoes: {}); nothing was staged",
            if plan.name.is_empty() {
                "the bundle"
            } else {
                &plan.name
            },
            outcome.vetoes.len()
        );
        return Err(Error::with_details(Exit::Vetoed, message, lines));
    }
    if let Some(principal) = &outcome.signed_by {
        println!("signed by {principal}");
    }
    for row in &outcome.rows {
        let version = if row.version.is_empty() {
            String::new()
        } else {
            format!(" {}", row.version)
        };
        println!("{} {} {}{version}", row.action, row.kind, row.name);
    }
    let changed = if plan.list == plan.live {
        "unchanged"
    } else {
        "changed"
    };
    println!("list: {changed} (entries: {})", plan.entries);
    if !plan.reload.is_empty() {
        println!("reload at commit: {}", plan.reload.join(", "));
    }
    for s in &plan.swaps {
        println!(
            "swap at commit: {} -> {} (live: its consumers stay loaded)",
            s.old, s.new
        );
    }
    if let Some(staged) = &outcome.staged {
        println!(
            "staged {} in {}; `preloadctl commit` applies it, `preloadctl abort` drops it",
            plan.name,
            staged.display()
        );
    }
    Ok(Exit::Ok)
}

/// The sha256 of the file at `path`.
pub fn hash(path: &Path) -> Result<String, Error> {
    sha256_file(path).map_err(|e| Error::io("cannot read", path, &e))
}

/// The sha256 of the file at `path`, or `None` if there is no such file.
pub fn hash_if_exists(path: &Path) -> Result<Option<String>, Error> {
    match sha256_file(path) {
        Ok(sha) => Ok(Some(sha)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("cannot read", path, &e)),
    }
}

fn copy(from: &Path, to: &Path) -> Result<(), Error> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, &e))?;
    }
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| Error::io(&format!("cannot copy {} here", from.display()), to, &e))
}

/// Removes a directory tree; a missing one is fine.
pub fn remove_dir(dir: &Path) -> Result<(), Error> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::io("cannot remove", dir, &e)),
        _ => Ok(()),
    }
}
