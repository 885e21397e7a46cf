//! What is on disk and what is loaded: module files under
//! `/lib/modules/RELEASE` and the lines of `/proc/modules`.

use crate::error::Error;
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Returns `/lib/modules/RELEASE` under `root` for the running kernel,
/// reading the release from `proc/sys/kernel/osrelease` (what `uname -r`
/// prints).
pub fn default_dir(root: &Path, proc: &Path) -> Result<PathBuf, Error> {
    let path = proc.join("sys/kernel/osrelease");
    let release = fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, &e))?;
    Ok(root.join("lib/modules").join(release.trim()))
}

/// Converts a module name to the canonical form the grammar uses.
pub fn canonical(name: &str) -> String {
    name.replace('-', "_")
}

/// The modules installed under a modules directory: module files found
/// anywhere below it, and the built-in modules `modules.builtin` names.
#[derive(Debug, Default)]
pub struct Installed {
    /// Canonical name to the module's file (empty for built-in modules).
    files: BTreeMap<String, PathBuf>,
}

impl Installed {
    /// Scans `dir`; a missing directory holds no modules.
    pub fn scan(dir: &Path) -> Result<Installed, Error> {
        let mut installed = Installed::default();
        let mut pending = vec![dir.to_owned()];
        while let Some(dir) = pending.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io("cannot list", &dir, &e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| Error::io("cannot list", &dir, &e))?;
                let path = entry.path();
                let is_dir = entry
                    .file_type()
                    .map_err(|e| Error::io("cannot stat", &path, &e))?
                    .is_dir();
                if is_dir {
                    pending.push(path);
                } else if let Some(name) = module_name(&path) {
                    installed.files.entry(name).or_insert(path);
                }
            }
        }
        if let Ok(builtin) = fs::read_to_string(dir.join("modules.builtin")) {
            for line in builtin.lines() {
                if let Some(name) = module_name(Path::new(line)) {
                    installed.files.entry(name).or_default();
                }
            }
        }
        Ok(installed)
    }

    /// Counts `name` as installed at `path` (what a bundle will install).
    pub fn add(&mut self, name: &str, path: PathBuf) {
        self.files.insert(name.to_owned(), path);
    }

    /// Returns the module's file if it is installed (empty if built in).
    pub fn file(&self, name: &str) -> Option<&Path> {
        self.files.get(name).map(PathBuf::as_path)
    }
}

/// Returns the canonical module name of a `NAME.ko` file, compressed or not.
fn module_name(path: &Path) -> Option<String> {
    let file = path.file_name()?.to_str()?;
    let stem = [".ko", ".ko.xz", ".ko.zst", ".ko.gz"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))?;
    Some(canonical(stem))
}

/// A line of `/proc/modules`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedModule {
    /// The module's name, canonical.
    pub name: String,
    /// How many references are held on it.
    pub refcount: u64,
    /// The modules that use it.
    pub used_by: Vec<String>,
}

/// Parses the text of `/proc/modules`; lines it does not understand are skipped.
pub fn parse_loaded(text: &str) -> Vec<LoadedModule> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let name = canonical(fields.next()?);
            let _size = fields.next()?;
            let refcount = fields.next()?.parse().ok()?;
            let used_by = fields
                .next()
                .unwrap_or("-")
                .split(',')
                .filter(|user| !user.is_empty() && *user != "-")
                .map(canonical)
                .collect();
            Some(LoadedModule {
                name,
                refcount,
                used_by,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_modules_lines_parse() {
        let text = "pl_d 12288 1 pl_c, Live 0x0000000000000000\n\
                    preload 45056 0 - Live 0x0000000000000000 (O)\n\
                    pl_b 12288 2 pl_a,pl_c, Live 0x0\n\
                    garbage\n";
        let loaded = parse_loaded(text);
        assert_eq!(loaded.len(), 3);
        assert_eq!(loaded[0].used_by, ["pl_c"]);
        assert_eq!(
            loaded[1],
            LoadedModule {
                name: "preload".into(),
                refcount: 0,
                used_by: vec![]
            }
        );
        assert_eq!(loaded[2].used_by, ["pl_a", "pl_c"]);
    }

    #[test]
    fn module_files_are_found_below_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("kernel/drivers")).unwrap();
        fs::write(dir.path().join("kernel/drivers/foo-bar.ko.zst"), "").unwrap();
        fs::write(dir.path().join("baz.ko"), "").unwrap();
        fs::write(dir.path().join("notes.txt"), "").unwrap();
        fs::write(
            dir.path().join("modules.builtin"),
            "kernel/fs/ext4/ext4.ko\n",
        )
        .unwrap();
        let installed = Installed::scan(dir.path()).unwrap();
        assert!(installed
            .file("foo_bar")
            .unwrap()
            .ends_with("foo-bar.ko.zst"));
        assert!(installed.file("baz").is_some());
        assert_eq!(installed.file("ext4"), Some(Path::new("")));
        assert_eq!(installed.file("notes"), None);
    }
}
