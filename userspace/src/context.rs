//! The places preloadctl works on, taken from the global options.

use crate::config::default_sources;
use crate::error::Error;
use crate::modules;
use crate::procfs::Proc;
use std::path::PathBuf;

/// The proc file system and the directories of the global options.
pub struct Context {
    /// preload's `/proc` files.
    pub proc: Proc,
    modules_dir: Option<PathBuf>,
    config_dir: PathBuf,
    /// Where the last-known-good list is kept.
    pub state_dir: PathBuf,
    /// Where `reload` writes the list for preload to read.
    pub run_dir: PathBuf,
    /// The sysfs file system.
    pub sys_dir: PathBuf,
}

impl Context {
    /// Takes the directories the global options name (`modules_dir`: the
    /// running kernel's if `None`).
    pub fn new(
        proc_dir: PathBuf,
        modules_dir: Option<PathBuf>,
        config_dir: PathBuf,
        state_dir: PathBuf,
        run_dir: PathBuf,
        sys_dir: PathBuf,
    ) -> Context {
        Context {
            proc: Proc::new(proc_dir),
            modules_dir,
            config_dir,
            state_dir,
            run_dir,
            sys_dir,
        }
    }

    /// Returns the installed modules' directory.
    pub fn modules_dir(&self) -> Result<PathBuf, Error> {
        match &self.modules_dir {
            Some(dir) => Ok(dir.clone()),
            None => modules::default_dir(self.proc.dir()),
        }
    }

    /// Returns `files`, or the default config files if there are none.
    pub fn sources(&self, files: Vec<PathBuf>) -> Result<Vec<PathBuf>, Error> {
        if files.is_empty() {
            default_sources(
                &self.config_dir.join("preload-modules.conf"),
                &self.snippets_dir(),
            )
        } else {
            Ok(files)
        }
    }

    /// Returns the directory of the symbol records and the last report.
    pub fn abi_dir(&self) -> PathBuf {
        self.state_dir.join("abi")
    }

    /// Returns the directory of the staged change (`prepare`).
    pub fn staged_dir(&self) -> PathBuf {
        self.state_dir.join("staged")
    }

    /// Returns the directory holding the last commit's record (`rollback`).
    pub fn commit_dir(&self) -> PathBuf {
        self.state_dir.join("commit")
    }

    /// Returns the directory of the veto hooks: CONFIG_DIR/preloadctl/veto.d.
    pub fn veto_dir(&self) -> PathBuf {
        self.config_dir.join("preloadctl/veto.d")
    }

    /// Returns the directory of the config snippets:
    /// CONFIG_DIR/preload-modules.d.
    pub fn snippets_dir(&self) -> PathBuf {
        self.config_dir.join("preload-modules.d")
    }

    /// Returns the file holding the last-known-good list.
    pub fn last_good(&self) -> PathBuf {
        self.state_dir.join("last-good.conf")
    }
}
