//! The places preloadctl works on: the real paths of a system, under the
//! root the hidden `--root` option names (`/` unless a test or a chroot
//! says otherwise).

use crate::config::default_sources;
use crate::error::Error;
use crate::modules;
use crate::procfs::Proc;
use std::path::{Path, PathBuf};

/// The main dependency list; preload.ko reads it at load.
pub const CONFIG_FILE: &str = "/etc/preload-modules.conf";
/// The config snippets, read after the main list in lexical order.
pub const SNIPPETS_DIR: &str = "/etc/preload-modules.d";
/// The rollout's veto hooks.
pub const VETO_DIR: &str = "/etc/preloadctl/veto.d";
/// The keys a rollout's bundle may be signed with (allowed-signers files).
pub const TRUSTED_DIR: &str = "/etc/preloadctl/trusted.d";
/// The history of the live list, the staged change, the last commit's
/// record and the ABI records.
pub const STATE_DIR: &str = "/var/lib/preloadctl";
/// Where `restart` writes the merged list for preload.ko to read at load.
pub const RUN_DIR: &str = "/run/preloadctl";
/// The file `restart` writes there.
pub const RESTART_FILE: &str = "preload-modules.conf";

/// The proc file system and the directories preloadctl reads and writes,
/// all under one root.
pub struct Context {
    /// preload's `/proc` files.
    pub proc: Proc,
    root: PathBuf,
    /// Where the history, the staged change and the records are kept.
    pub state_dir: PathBuf,
    /// Where `restart` writes the list for preload to read.
    pub run_dir: PathBuf,
    /// The sysfs file system.
    pub sys_dir: PathBuf,
}

impl Context {
    /// Takes the system under `root`: `/` for the running one.
    pub fn new(root: PathBuf) -> Context {
        let under = |path: &str| under(&root, path);
        Context {
            proc: Proc::new(under("/proc")),
            state_dir: under(STATE_DIR),
            run_dir: under(RUN_DIR),
            sys_dir: under("/sys"),
            root,
        }
    }

    /// Returns the real path `path` (absolute) under the root.
    pub fn under(&self, path: &str) -> PathBuf {
        under(&self.root, path)
    }

    /// Returns the running kernel's modules directory, `/lib/modules/RELEASE`.
    pub fn modules_dir(&self) -> Result<PathBuf, Error> {
        modules::default_dir(&self.root, self.proc.dir())
    }

    /// Returns `files`, or the default config files if there are none.
    pub fn sources(&self, files: Vec<PathBuf>) -> Result<Vec<PathBuf>, Error> {
        if files.is_empty() {
            default_sources(&self.config_file(), &self.snippets_dir())
        } else {
            Ok(files)
        }
    }

    /// Returns the main dependency list: `/etc/preload-modules.conf`.
    pub fn config_file(&self) -> PathBuf {
        self.under(CONFIG_FILE)
    }

    /// Returns the directory of the config snippets: `/etc/preload-modules.d`.
    pub fn snippets_dir(&self) -> PathBuf {
        self.under(SNIPPETS_DIR)
    }

    /// Returns the directory of the veto hooks: `/etc/preloadctl/veto.d`.
    pub fn veto_dir(&self) -> PathBuf {
        self.under(VETO_DIR)
    }

    /// Returns the directory of the keys bundles may be signed with:
    /// `/etc/preloadctl/trusted.d`.
    pub fn trusted_dir(&self) -> PathBuf {
        self.under(TRUSTED_DIR)
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

    /// Returns the directory of the history of the live list (`history`,
    /// `rollback`).
    pub fn history_dir(&self) -> PathBuf {
        self.state_dir.join("history")
    }

    /// Returns the file an older preloadctl kept the last-known-good list
    /// in; the history takes it over.
    pub fn last_good(&self) -> PathBuf {
        self.state_dir.join("last-good.conf")
    }
}

/// Returns the absolute `path` under `root`.
fn under(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_the_real_one_under_the_root() {
        let real = Context::new("/".into());
        assert_eq!(real.config_file(), Path::new("/etc/preload-modules.conf"));
        assert_eq!(real.snippets_dir(), Path::new("/etc/preload-modules.d"));
        assert_eq!(real.veto_dir(), Path::new("/etc/preloadctl/veto.d"));
        assert_eq!(
            real.last_good(),
            Path::new("/var/lib/preloadctl/last-good.conf")
        );
        assert_eq!(real.run_dir, Path::new("/run/preloadctl"));
        assert_eq!(real.sys_dir, Path::new("/sys"));
        assert_eq!(real.proc.deps_path(), Path::new("/proc/preload/deps"));

        let fake = Context::new("/tmp/r".into());
        assert_eq!(
            fake.config_file(),
            Path::new("/tmp/r/etc/preload-modules.conf")
        );
        assert_eq!(
            fake.staged_dir(),
            Path::new("/tmp/r/var/lib/preloadctl/staged")
        );
        assert_eq!(fake.run_dir, Path::new("/tmp/r/run/preloadctl"));
        assert_eq!(fake.proc.deps_path(), Path::new("/tmp/r/proc/preload/deps"));
        assert_eq!(fake.sys_dir, Path::new("/tmp/r/sys"));
    }
}
