//! `preloadctl restart`: unload preload.ko and load it again, so that it
//! reads the merged config at load, from scratch (as `systemctl restart`;
//! `reload`, as `systemctl reload`, is `apply`: the list changes live and
//! preload stays loaded). The list it loads goes into the history
//! (`history.rs`) like an `apply`.

use crate::config;
use crate::context::{Context, RESTART_FILE};
use crate::diff;
use crate::error::{Error, Exit};
use crate::history::{source_names, Recorder};
use crate::modules::Installed;
use crate::store::{verify, write_atomically};
use crate::tools;
use std::path::{Path, PathBuf};

/// Restarts preload with `files` (or the config) as its config, or with
/// `dry_run` says whether it would and what would change.
pub fn run(ctx: &Context, files: Vec<PathBuf>, dry_run: bool) -> Result<Exit, Error> {
    let refuse = |exit, why: String| Error::new(exit, format!("refusing to restart: {why}"));
    if !ctx.proc.preload_loaded() {
        return Err(refuse(
            Exit::NotLoaded,
            "preload is not loaded (load it with `modprobe preload`)".into(),
        ));
    }
    let sources = ctx.sources(files)?;
    let config = config::load(&sources).into_valid().map_err(|e| {
        let why = "refusing to restart: the config does not check";
        Error::with_details(Exit::Invalid, why, e.details)
    })?;
    if ctx.proc.has_cap_sys_module() == Some(false) {
        return Err(refuse(
            Exit::Permission,
            "unloading and loading modules needs root (CAP_SYS_MODULE)".into(),
        ));
    }
    let loaded = ctx.proc.loaded_modules()?;
    if let Some(preload) = loaded.iter().find(|m| m.name == "preload") {
        if preload.refcount > 0 {
            let users = match preload.used_by.as_slice() {
                [] => String::new(),
                users => format!(" by {}", users.join(", ")),
            };
            return Err(refuse(Exit::Kernel, format!("preload is in use{users}")));
        }
    }
    let modules_dir = ctx.modules_dir()?;
    if Installed::scan(&modules_dir)?.file("preload").is_none() {
        return Err(refuse(
            Exit::Kernel,
            format!(
                "preload.ko is not installed under {}, so it could not be loaded again",
                modules_dir.display()
            ),
        ));
    }

    let live_text = ctx.proc.read_deps()?;
    let new_config = ctx.run_dir.join(RESTART_FILE);
    let new_text = config.canonical();
    if dry_run {
        println!(
            "would unload preload (rmmod preload) and load it again with config={}, \
             written with the merged list (entries: {}, files: {})",
            new_config.display(),
            config.entries(),
            sources.len()
        );
        diff::print_texts(&ctx.proc.deps_path(), &live_text, &new_config, &new_text)?;
        println!("dry run: nothing was changed");
        return Ok(Exit::Ok);
    }
    write_atomically(&new_config, &new_text)?;
    let previous_config = ctx.run_dir.join("previous.conf");
    write_atomically(&previous_config, &live_text)?;
    let recorder = match live_text != new_text {
        true => Some(Recorder::begin(ctx, &live_text)?),
        false => None,
    };

    tools::run("rmmod", &["preload"]).map_err(|why| {
        Error::new(
            Exit::Kernel,
            format!("{why}; preload stays loaded with its list"),
        )
    })?;
    if let Err(why) = load_preload(&new_config) {
        // Put the previous list back rather than leave preload unloaded.
        let restored = match load_preload(&previous_config) {
            Ok(()) => "preload is loaded again with the previous list".to_owned(),
            Err(again) => format!("loading it with the previous list failed too: {again}"),
        };
        return Err(Error::new(Exit::Kernel, format!("{why}; {restored}")));
    }
    verify(&ctx.proc, &new_text)?;
    let recorded = match recorder {
        Some(recorder) => {
            let names = source_names(&sources);
            let recorded = recorder.finish("restart", String::new(), names, &new_text, false)?;
            format!("; {recorded}")
        }
        None => String::new(),
    };
    println!(
        "restarted preload (entries: {}, config: {}){recorded}",
        config.entries(),
        new_config.display()
    );
    Ok(Exit::Ok)
}

fn load_preload(config: &Path) -> Result<(), String> {
    let param = format!("config={}", config.display());
    tools::run("modprobe", &["preload", &param])
}
