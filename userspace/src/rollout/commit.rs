//! `preloadctl commit`: carry out the staged plan (install the changed list
//! files and modules atomically, `depmod`, apply the list with read-back,
//! reload what the plan says), keeping a record under `/var/lib/preloadctl/commit/`
//! that `rollback` undoes it from. A commit that fails undoes itself. The
//! list it writes goes into the history (`history.rs`), and so does the
//! one a rollback writes back.

use super::live_swap;
use super::plan::{self, Plan};
use super::stage::{hash, hash_if_exists, remove_dir};
use crate::context::Context;
use crate::diff;
use crate::error::{Error, Exit};
use crate::history::{source_names, Recorder, ROLLBACK};
use crate::modules;
use crate::output::note;
use crate::store::replace_verified;
use crate::tools;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where the record keeps the file change `index` replaced.
fn backup(record: &Path, index: usize) -> PathBuf {
    record.join("previous").join(index.to_string())
}

/// Commits the staged change, or with `dry_run` says what committing it
/// would do.
pub fn run(ctx: &Context, dry_run: bool) -> Result<Exit, Error> {
    let staged = ctx.staged_dir();
    let plan = Plan::read(&staged)?.ok_or_else(|| {
        Error::new(
            Exit::System,
            format!(
                "nothing to commit: nothing is staged in {} (run `preloadctl prepare BUNDLE`)",
                staged.display()
            ),
        )
    })?;
    ctx.proc.require_preload()?;
    let live = ctx.proc.read_deps()?;
    unchanged_since_prepare(ctx, &plan, &staged, &live)?;
    if dry_run {
        return dry_run_commit(ctx, &plan);
    }

    // The record is complete before anything changes.
    // A commit is recorded even if the list stays the same, and so is its
    // undoing: a later `rollback` sees there is nothing more to undo.
    let recorder = Recorder::begin(ctx, &live)?;
    let record = ctx.commit_dir();
    let building = ctx.state_dir.join("commit.new");
    remove_dir(&building)?;
    for (index, change) in plan.changes.iter().enumerate() {
        if let Some(old) = &change.replaces {
            install(old, &backup(&building, index))?;
        }
    }
    plan.write(&building)?;
    remove_dir(&ctx.state_dir.join("rolled-back"))?;
    remove_dir(&record)?;
    fs::rename(&building, &record)
        .map_err(|e| Error::io("cannot rename into place", &record, &e))?;

    if let Err(e) = carry_out(ctx, &plan, &staged) {
        let undone = match undo(ctx, &plan, &record) {
            Ok(()) => {
                // Recorded as a rollback, which a later `rollback` leaves
                // as it is; best effort: the failure is the news.
                let detail = format!("commit of {} failed and was undone", plan.name);
                let _ = recorder.finish(ROLLBACK, detail, Vec::new(), &plan.live, true);
                "rolled back: the previous modules, list files and list are in place again"
                    .to_owned()
            }
            Err(again) => format!(
                "rolling back failed too: {again}; the previous files are in {}",
                record.display()
            ),
        };
        return Err(Error::with_details(
            e.exit,
            format!("commit of {} failed: {e}; {undone}", plan.name),
            e.details,
        ));
    }
    remove_dir(&staged)?;
    let sources = source_names(&ctx.sources(Vec::new())?);
    let detail = format!("bundle {}", plan.name);
    let recorded = recorder.finish("commit", detail, sources, &plan.list, true)?;
    let modules = plan.modules().count();
    let lists = plan.lists().count();
    println!(
        "committed {} (modules: {modules} replaced or installed, {} unchanged; list files: {lists}; \
         entries: {}); `preloadctl rollback` undoes it; {recorded}",
        plan.name,
        plan.unchanged.len(),
        plan.entries
    );
    Ok(Exit::Ok)
}

/// `commit --dry-run`: what committing `plan` would do, once it is known
/// to be unchanged since `prepare`.
fn dry_run_commit(ctx: &Context, plan: &Plan) -> Result<Exit, Error> {
    println!("would commit {}:", plan.name);
    for change in &plan.changes {
        let what = match change.version.as_str() {
            "" => format!("{} {}", change.kind, change.name),
            version => format!("{} {} {version}", change.kind, change.name),
        };
        match &change.replaces {
            Some(old) if *old != change.target => println!(
                "would install {} ({what}), replacing {}",
                change.target.display(),
                old.display()
            ),
            Some(_) => println!("would replace {} ({what})", change.target.display()),
            None => println!("would install {} ({what})", change.target.display()),
        }
    }
    say_module_steps(plan);
    println!("list (entries: {}):", plan.entries);
    let deps = ctx.proc.deps_path();
    diff::print_texts(&deps, &plan.live, &ctx.staged_dir(), &plan.list)?;
    println!("dry run: nothing was changed");
    Ok(Exit::Ok)
}

/// Refuses a plan whose premises no longer hold: the staged copies, the
/// files it replaces and the live list must be as they were at prepare.
/// What a dry run says of the steps after the files: depmod, and the
/// consumers unloaded and loaded again.
fn say_module_steps(plan: &Plan) {
    if plan.modules().next().is_some() {
        println!("would run depmod");
    }
    if !plan.reload.is_empty() {
        println!(
            "would unload {} and load them again",
            plan.reload.join(", ")
        );
    }
    for s in &plan.swaps {
        println!(
            "would load {new}, move {old}'s consumers to it while they run, and unload {old}",
            old = s.old,
            new = s.new
        );
    }
}

fn unchanged_since_prepare(
    ctx: &Context,
    plan: &Plan,
    staged: &Path,
    live: &str,
) -> Result<(), Error> {
    let changed = |what: String| {
        Error::new(
            Exit::System,
            format!("{what} since `prepare`; prepare again (nothing was changed)"),
        )
    };
    if live != plan.live {
        return Err(changed(format!(
            "{} changed",
            ctx.proc.deps_path().display()
        )));
    }
    for change in &plan.changes {
        let copy = staged.join(&change.staged);
        if hash(&copy)? != change.sha256 {
            return Err(changed(format!("{} changed", copy.display())));
        }
        let now = match &change.replaces {
            Some(path) => hash_if_exists(path)?,
            None => hash_if_exists(&change.target)?,
        };
        if now != change.old_sha256 {
            let path = change.replaces.as_ref().unwrap_or(&change.target);
            return Err(changed(format!("{} changed", path.display())));
        }
    }
    Ok(())
}

/// Installs the files, runs depmod, loads each new version of a swap and
/// moves its consumers to it, unloads what must reload, applies the list,
/// unloads the swapped old versions and loads the unloaded modules again.
fn carry_out(ctx: &Context, plan: &Plan, staged: &Path) -> Result<(), Error> {
    for change in &plan.changes {
        install(&staged.join(&change.staged), &change.target)?;
        if let Some(old) = change
            .replaces
            .as_ref()
            .filter(|old| **old != change.target)
        {
            fs::remove_file(old).map_err(|e| Error::io("cannot remove", old, &e))?;
        }
    }
    let modules_dir = ctx.modules_dir()?;
    if plan.modules().next().is_some() {
        tools::depmod(&modules_dir).map_err(|why| Error::new(Exit::System, why))?;
    }
    live_swap::swap_in(&ctx.proc, &plan.swaps)?;
    unload(&plan.reload)?;
    let live = ctx.proc.read_deps()?;
    if live != plan.list {
        replace_verified(&ctx.proc, &plan.list, &live)?;
    }
    live_swap::unload_old(&plan.swaps)?;
    load(&plan.reload)
}

/// Undoes a commit from its record: swaps back what it swapped (as far as
/// it went), puts each replaced file back, removes each new one, runs
/// depmod, unloads what the commit reloaded and the new modules nothing
/// uses any more, restores the list and reloads what the commit reloaded;
/// then the record is kept as `rolled-back`.
pub fn undo(ctx: &Context, plan: &Plan, record: &Path) -> Result<(), Error> {
    let mut first_error = None;
    let mut note = |result: Result<(), Error>| {
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    };
    note(live_swap::swap_back(&ctx.proc, &plan.swaps));
    for (index, change) in plan.changes.iter().enumerate().rev() {
        let previous = backup(record, index);
        match &change.replaces {
            Some(old) => {
                note(install(&previous, old));
                if *old != change.target {
                    note(remove_file(&change.target));
                }
            }
            None => note(remove_file(&change.target)),
        }
    }
    if plan.modules().next().is_some() {
        let dir = ctx.modules_dir()?;
        note(tools::depmod(&dir).map_err(|why| Error::new(Exit::System, why)));
    }
    let _ = unload(&plan.reload);
    note(unload_added(ctx, plan));
    let live = ctx.proc.read_deps()?;
    if live != plan.live {
        note(replace_verified(&ctx.proc, &plan.live, &live));
    }
    note(load(&plan.reload));
    if let Some(e) = first_error {
        return Err(e);
    }
    let rolled_back = ctx.state_dir.join("rolled-back");
    remove_dir(&rolled_back)?;
    fs::rename(record, &rolled_back).map_err(|e| Error::io("cannot rename", record, &e))
}

/// `rollback --bundle NAME`: undoes what the rollout of the bundle `name`
/// did on this machine, whichever phase it reached: its commit, if that is
/// the last one (its record is there), else its staged change; else
/// nothing, and says so.
pub fn undo_rollout(ctx: &Context, name: &str, dry_run: bool) -> Result<Exit, Error> {
    if committed(ctx)?.as_deref() == Some(name) {
        if let Some(exit) = rollback(ctx, dry_run)? {
            return Ok(exit);
        }
    }
    if Plan::read(&ctx.staged_dir())?.is_some_and(|plan| plan.name == name) {
        return super::stage::abort(ctx, dry_run);
    }
    println!(
        "nothing of {name} to undo here: the last commit is not {name}'s, and {name} is not \
         staged"
    );
    Ok(Exit::Ok)
}

/// The name of the last commit, if its record is there (not rolled back).
pub fn committed(ctx: &Context) -> Result<Option<String>, Error> {
    Ok(Plan::read(&ctx.commit_dir())?.map(|plan| plan.name))
}

/// Undoes the last commit, if its record is there: `Ok(None)` if not. With
/// `dry_run`, says what undoing it would do instead.
pub fn rollback(ctx: &Context, dry_run: bool) -> Result<Option<Exit>, Error> {
    let record = ctx.commit_dir();
    let Some(plan) = Plan::read(&record)? else {
        return Ok(None);
    };
    ctx.proc.require_preload()?;
    let live = ctx.proc.read_deps()?;
    if live != plan.list {
        note!(
            "preloadctl: note: the live list changed since {} was committed; it is replaced \
             by the list from before that commit",
            plan.name
        );
    }
    if dry_run {
        println!("would roll back the commit of {}:", plan.name);
        for (index, change) in plan.changes.iter().enumerate().rev() {
            match &change.replaces {
                Some(old) => {
                    println!(
                        "would put back {} (from {})",
                        old.display(),
                        backup(&record, index).display()
                    );
                    if *old != change.target {
                        println!("would remove {}", change.target.display());
                    }
                }
                None => println!("would remove {}", change.target.display()),
            }
        }
        say_module_steps(&plan);
        println!("list:");
        let deps = ctx.proc.deps_path();
        diff::print_texts(&deps, &live, &record.join(plan::FILE), &plan.live)?;
        println!("dry run: nothing was changed");
        return Ok(Some(Exit::Ok));
    }
    let recorder = Recorder::begin(ctx, &live)?;
    undo(ctx, &plan, &record)?;
    let detail = format!("undid the commit of {}", plan.name);
    let recorded = recorder.finish(ROLLBACK, detail, Vec::new(), &plan.live, true)?;
    println!(
        "rolled back {}: {} files restored, list restored ({} bytes); the record is in {}; {recorded}",
        plan.name,
        plan.changes.len(),
        plan.live.len(),
        ctx.state_dir.join("rolled-back").join(plan::FILE).display()
    );
    Ok(Some(Exit::Ok))
}

/// Unloads `modules` in order (users first).
fn unload(modules: &[String]) -> Result<(), Error> {
    for module in modules {
        tools::run("rmmod", &[module]).map_err(|why| Error::new(Exit::Kernel, why))?;
    }
    Ok(())
}

/// Unloads the modules the commit added (no file of theirs before it) that
/// are loaded and used by nothing: loaded since, as the dependencies of a
/// reloaded consumer, they would stay loaded from a file the undo removed.
fn unload_added(ctx: &Context, plan: &Plan) -> Result<(), Error> {
    let loaded = ctx.proc.loaded_modules()?;
    let unused = |name: &str| {
        loaded.iter().any(|module| {
            module.name == modules::canonical(name)
                && module.refcount == 0
                && module.used_by.is_empty()
        })
    };
    let added: Vec<String> = plan
        .modules()
        .filter(|change| change.replaces.is_none() && unused(&change.name))
        .map(|change| change.name.clone())
        .collect();
    unload(&added)
}

/// Loads `modules` in reverse order (dependencies first), trying each.
fn load(modules: &[String]) -> Result<(), Error> {
    let mut failed = Vec::new();
    for module in modules.iter().rev() {
        if let Err(why) = tools::run("modprobe", &[module]) {
            failed.push(why);
        }
    }
    match failed.is_empty() {
        true => Ok(()),
        false => Err(Error::new(Exit::Kernel, failed.join("; "))),
    }
}

/// Copies `from` to `to` atomically: a temporary file in `to`'s directory,
/// written and synced, renamed over `to`, and the directory synced.
fn install(from: &Path, to: &Path) -> Result<(), Error> {
    let dir = to.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, &e))?;
    let name = to.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.preload-new"));
    let write = || -> io::Result<()> {
        let mut source = fs::File::open(from)?;
        let mut file = fs::File::create(&temp)?;
        io::copy(&mut source, &mut file)?;
        file.flush()?;
        file.sync_all()
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&temp);
        Error::io(&format!("cannot copy {} here", from.display()), &temp, &e)
    })?;
    fs::rename(&temp, to).map_err(|e| Error::io("cannot rename into place", to, &e))?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("cannot sync", dir, &e))
}

fn remove_file(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::io("cannot remove", path, &e)),
        _ => Ok(()),
    }
}
