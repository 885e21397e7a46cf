//! A bundle: a directory or a tarball (`.tar`, `.tar.gz`, `.tgz`) holding
//! list files, module files and `manifest.json`, which names each file with
//! its sha256 (and each module with its version, and the kernel release it
//! is built for, if it is built for one). `prepare` reads it here.
//!
//! ```json
//! {"format": "preload-bundle", "version": 1, "name": "fleet-42",
//!  "lists": [{"file": "lists/50-fleet.conf", "sha256": "..."}],
//!  "modules": [{"name": "interposer", "file": "modules/7.3.4+deb13-amd64/interposer.ko",
//!               "sha256": "...", "version": "1.3", "release": "7.3.4+deb13-amd64"}]}
//! ```
//!
//! A module entry with `"swaps": "OLD"` is a new version of the swappable
//! interposer OLD, under another name: the commit moves OLD's consumers to
//! it while they run (a live swap), and unloads OLD.

use super::veto::Veto;
use crate::error::describe;
use crate::modules::canonical;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The manifest's file name, at the top of the bundle.
pub const MANIFEST: &str = "manifest.json";

/// One file the manifest names.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The module's canonical name, or the list file's name (`50-fleet.conf`).
    pub name: String,
    /// Where it is in the bundle (a relative path).
    pub file: PathBuf,
    /// Its sha256, lowercase hex.
    pub sha256: String,
    /// The module's version (empty for lists).
    pub version: String,
    /// The kernel release the module is built for, or `None` for every
    /// kernel (and for lists).
    pub release: Option<String>,
    /// The loaded interposer whose consumers this module takes over by a
    /// live swap (`"swaps"`), if any.
    pub swaps: Option<String>,
}

/// What `manifest.json` says.
#[derive(Debug)]
pub struct Manifest {
    /// The bundle's name, for messages and the fleet's summary.
    pub name: String,
    /// The list files, installed as `/etc/preload-modules.d/NAME`.
    pub lists: Vec<Entry>,
    /// The modules.
    pub modules: Vec<Entry>,
    /// The manifest's own sha256: which bundle this is.
    pub sha256: String,
}

/// An opened bundle: its directory (a tarball is unpacked into a scratch
/// directory, removed when this is dropped) and its manifest.
#[derive(Debug)]
pub struct Bundle {
    /// The directory the manifest's paths are relative to.
    pub dir: PathBuf,
    /// The manifest.
    pub manifest: Manifest,
    /// The manifest's bytes, as read and parsed (what its signature signs).
    pub manifest_text: Vec<u8>,
    unpacked: Option<PathBuf>,
}

impl Drop for Bundle {
    fn drop(&mut self) {
        if let Some(dir) = &self.unpacked {
            // Best effort: a leftover scratch directory is removed by the next prepare.
            let _ = fs::remove_dir_all(dir);
        }
    }
}

impl Bundle {
    /// Opens the bundle at `path`, unpacking a tarball into `scratch`. On
    /// failure returns why the bundle is unusable.
    pub fn open(path: &Path, scratch: &Path) -> Result<Bundle, String> {
        let shown = path.display();
        let meta = fs::metadata(path).map_err(|e| format!("{shown}: {}", describe(&e)))?;
        let (dir, unpacked) = if meta.is_dir() {
            (path.to_owned(), None)
        } else if is_tarball(path) {
            if scratch.exists() {
                fs::remove_dir_all(scratch)
                    .map_err(|e| format!("{}: {}", scratch.display(), describe(&e)))?;
            }
            fs::create_dir_all(scratch)
                .map_err(|e| format!("{}: {}", scratch.display(), describe(&e)))?;
            unpack(path, scratch)
                .map_err(|e| format!("{shown}: cannot unpack: {}", describe(&e)))?;
            (top_of(scratch), Some(scratch.to_owned()))
        } else {
            return Err(format!(
                "{shown}: not a directory or a .tar, .tar.gz or .tgz file"
            ));
        };
        let manifest_path = dir.join(MANIFEST);
        let text = fs::read(&manifest_path)
            .map_err(|e| format!("{shown}: {MANIFEST}: {}", describe(&e)))?;
        let mut manifest =
            Manifest::parse(&text).map_err(|why| format!("{shown}: {MANIFEST}: {why}"))?;
        manifest.sha256 = hex(&Sha256::digest(&text));
        if manifest.name.is_empty() {
            manifest.name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
        }
        Ok(Bundle {
            dir,
            manifest,
            manifest_text: text,
            unpacked,
        })
    }
}

impl Manifest {
    /// Parses and validates the manifest's text.
    pub fn parse(text: &[u8]) -> Result<Manifest, String> {
        let json: Value = serde_json::from_slice(text).map_err(|e| format!("not JSON: {e}"))?;
        if json["format"] != "preload-bundle" {
            return Err("\"format\" is not \"preload-bundle\"".into());
        }
        if json["version"] != 1 {
            return Err(format!(
                "\"version\" {} is not 1 (this preloadctl reads version 1)",
                json["version"]
            ));
        }
        let name = match &json["name"] {
            Value::Null => String::new(),
            Value::String(name) => name.clone(),
            _ => return Err("\"name\" is not a string".into()),
        };
        let mut manifest = Manifest {
            name,
            lists: Vec::new(),
            modules: Vec::new(),
            sha256: String::new(),
        };
        let mut seen = BTreeSet::new();
        for (index, item) in array(&json, "lists")?.iter().enumerate() {
            let at = format!("lists[{index}]");
            let file = relative_path(item, &at)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".conf") && !n.starts_with('.'))
                .ok_or_else(|| format!("{at}: \"file\" must name a NAME.conf file"))?;
            if !seen.insert(name.clone()) {
                return Err(format!("{at}: a second list file named {name}"));
            }
            manifest.lists.push(Entry {
                name,
                file,
                sha256: sha256_field(item, &at)?,
                version: String::new(),
                release: None,
                swaps: None,
            });
        }
        let mut seen = BTreeSet::new();
        for (index, item) in array(&json, "modules")?.iter().enumerate() {
            let at = format!("modules[{index}]");
            let name = string(item, "name", &at)?;
            preload_deps::Name::new(name.as_bytes())
                .map_err(|e| format!("{at}: \"name\" {name:?}: {e}"))?;
            let name = canonical(&name);
            let file = relative_path(item, &at)?;
            let stem = file
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".ko"))
                .map(canonical);
            if stem.as_deref() != Some(name.as_str()) {
                return Err(format!(
                    "{at}: \"file\" {} is not {name}.ko (uncompressed, named for the module)",
                    file.display()
                ));
            }
            let release = release_field(item, &at)?;
            if !seen.insert((name.clone(), release.clone())) {
                return Err(match &release {
                    Some(release) => format!("{at}: module {name} is named twice for {release}"),
                    None => format!("{at}: module {name} is named twice"),
                });
            }
            let version = string(item, "version", &at)?;
            if version.is_empty() {
                return Err(format!("{at}: \"version\" is empty"));
            }
            let swaps = match &item["swaps"] {
                Value::Null => None,
                Value::String(old) if preload_deps::Name::new(old.as_bytes()).is_ok() => {
                    let old = canonical(old);
                    if old == name {
                        return Err(format!(
                            "{at}: \"swaps\" names the module itself: a new version must have \
                             another name (e.g. {name}_v2)"
                        ));
                    }
                    Some(old)
                }
                other => return Err(format!("{at}: \"swaps\" {other} is not a module name")),
            };
            manifest.modules.push(Entry {
                name,
                file,
                sha256: sha256_field(item, &at)?,
                version,
                release,
                swaps,
            });
        }
        if let Some(name) = seen
            .iter()
            .find(|(name, release)| {
                release.is_none() && seen.iter().any(|(n, r)| n == name && r.is_some())
            })
            .map(|(name, _)| name)
        {
            return Err(format!(
                "module {name} is given both for every kernel (no \"release\") and for releases"
            ));
        }
        Ok(manifest)
    }

    /// The modules for a machine running the kernel `release`: those built
    /// for every kernel and those built for it. A module the bundle builds
    /// only for other kernels is a `no-build-for-kernel` veto, naming them.
    pub fn modules_for(&self, release: &str) -> (Vec<&Entry>, Vec<Veto>) {
        let mut builds: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut chosen = Vec::new();
        for entry in &self.modules {
            match entry.release.as_deref() {
                None => chosen.push(entry),
                Some(built_for) if built_for == release => chosen.push(entry),
                Some(built_for) => builds.entry(&entry.name).or_default().push(built_for),
            }
        }
        let vetoes = builds
            .into_iter()
            .filter(|(name, _)| !chosen.iter().any(|e| e.name == *name))
            .map(|(name, releases)| {
                Veto::new(
                    "no-build-for-kernel",
                    name,
                    format!(
                        "the bundle has {name} for {} but not for this machine's kernel {release}",
                        releases.join(", ")
                    ),
                )
            })
            .collect();
        (chosen, vetoes)
    }
}

/// Returns the sha256 of the file at `path`, lowercase hex.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_tarball(path: &Path) -> bool {
    let name = path.to_string_lossy();
    [".tar", ".tar.gz", ".tgz"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Unpacks a tarball; the `tar` crate refuses entries that would land
/// outside `into` (absolute paths, `..`).
fn unpack(path: &Path, into: &Path) -> io::Result<()> {
    let file = fs::File::open(path)?;
    let name = path.to_string_lossy();
    let reader: Box<dyn io::Read> = if name.ends_with(".tar") {
        Box::new(file)
    } else {
        Box::new(flate2::read::GzDecoder::new(file))
    };
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_permissions(false);
    archive.unpack(into)
}

/// A tarball of one top directory (`tar czf b.tgz bundle/`) has its
/// manifest in that directory.
fn top_of(dir: &Path) -> PathBuf {
    if dir.join(MANIFEST).exists() {
        return dir.to_owned();
    }
    let entries: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    match entries.as_slice() {
        [only] if only.is_dir() => only.clone(),
        _ => dir.to_owned(),
    }
}

fn array<'a>(json: &'a Value, key: &str) -> Result<&'a Vec<Value>, String> {
    match &json[key] {
        Value::Array(items) => Ok(items),
        Value::Null => Err(format!("no \"{key}\" array")),
        _ => Err(format!("\"{key}\" is not an array")),
    }
}

fn string(item: &Value, key: &str, at: &str) -> Result<String, String> {
    item[key]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{at}: no \"{key}\" string"))
}

fn sha256_field(item: &Value, at: &str) -> Result<String, String> {
    let sha = string(item, "sha256", at)?;
    if sha.len() != 64
        || !sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!("{at}: \"sha256\" is not 64 lowercase hex digits"));
    }
    Ok(sha)
}

/// The module's `release`, if it has one: a kernel release as `uname -r`
/// prints it.
fn release_field(item: &Value, at: &str) -> Result<Option<String>, String> {
    match &item["release"] {
        Value::Null => Ok(None),
        Value::String(release)
            if !release.is_empty()
                && release
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._+-~".contains(&b)) =>
        {
            Ok(Some(release.clone()))
        }
        other => Err(format!(
            "{at}: \"release\" {other} is not a kernel release (as `uname -r` prints it)"
        )),
    }
}

/// The entry's `file`: a relative path that stays inside the bundle.
fn relative_path(item: &Value, at: &str) -> Result<PathBuf, String> {
    let file = PathBuf::from(string(item, "file", at)?);
    let inside = file.components().count() > 0
        && file.components().all(|c| matches!(c, Component::Normal(_)));
    if !inside {
        return Err(format!(
            "{at}: \"file\" {} is not a relative path inside the bundle",
            file.display()
        ));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn manifest(modules: &str, lists: &str) -> Result<Manifest, String> {
        let text = format!(
            r#"{{"format": "preload-bundle", "version": 1, "lists": [{lists}], "modules": [{modules}]}}"#
        );
        Manifest::parse(text.as_bytes())
    }

    #[test]
    fn a_good_manifest_parses() {
        let m = manifest(
            &format!(r#"{{"name": "pl-a", "file": "modules/pl_a.ko", "sha256": "{SHA}", "version": "2"}}"#),
            &format!(r#"{{"file": "lists/50-x.conf", "sha256": "{SHA}"}}"#),
        )
        .unwrap();
        assert_eq!(m.modules[0].name, "pl_a");
        assert_eq!(m.modules[0].version, "2");
        assert_eq!(m.lists[0].name, "50-x.conf");
    }

    #[test]
    fn bad_manifests_say_where() {
        let module = |name: &str, file: &str, sha: &str| {
            format!(r#"{{"name": "{name}", "file": "{file}", "sha256": "{sha}", "version": "1"}}"#)
        };
        for (modules, lists, why) in [
            (
                module("pl_a", "../pl_a.ko", SHA),
                String::new(),
                "modules[0]: \"file\" ../pl_a.ko is not a relative path",
            ),
            (
                module("pl_a", "/pl_a.ko", SHA),
                String::new(),
                "not a relative path",
            ),
            (
                module("pl_a", "pl_b.ko", SHA),
                String::new(),
                "is not pl_a.ko",
            ),
            (
                module("pl_a", "pl_a.ko", "abc"),
                String::new(),
                "not 64 lowercase hex",
            ),
            (
                module("pl!", "pl!.ko", SHA),
                String::new(),
                "modules[0]: \"name\"",
            ),
            (
                format!("{0}, {0}", module("a", "a.ko", SHA)),
                String::new(),
                "named twice",
            ),
            (
                String::new(),
                format!(r#"{{"file": "x.txt", "sha256": "{SHA}"}}"#),
                "NAME.conf",
            ),
        ] {
            let err = manifest(&modules, &lists).unwrap_err();
            assert!(err.contains(why), "{err} does not contain {why}");
        }
        assert!(Manifest::parse(b"{}").unwrap_err().contains("format"));
        assert!(
            Manifest::parse(br#"{"format": "preload-bundle", "version": 2}"#)
                .unwrap_err()
                .contains("version")
        );
    }

    #[test]
    fn modules_built_for_releases_go_to_machines_running_them() {
        let module = |name: &str, release: &str| {
            format!(
                r#"{{"name": "{name}", "file": "modules/{release}/{name}.ko", "sha256": "{SHA}",
                     "version": "1", "release": "{release}"}}"#
            )
        };
        let every = format!(
            r#"{{"name": "pl_c", "file": "modules/pl_c.ko", "sha256": "{SHA}", "version": "1"}}"#
        );
        let m = manifest(
            &[
                module("pl_a", "7.3.4"),
                module("pl_a", "7.2.13"),
                module("pl_b", "7.2.13"),
                every,
            ]
            .join(", "),
            "",
        )
        .unwrap();
        let names = |release: &str| {
            let (chosen, vetoes) = m.modules_for(release);
            let chosen: Vec<String> = chosen
                .iter()
                .map(|e| format!("{} {}", e.name, e.file.display()))
                .collect();
            let vetoes: Vec<String> = vetoes
                .iter()
                .map(|v| format!("{} {}: {}", v.reason, v.subject, v.detail))
                .collect();
            (chosen, vetoes)
        };
        assert_eq!(
            names("7.2.13"),
            (
                vec![
                    "pl_a modules/7.2.13/pl_a.ko".into(),
                    "pl_b modules/7.2.13/pl_b.ko".into(),
                    "pl_c modules/pl_c.ko".into()
                ],
                vec![]
            )
        );
        assert_eq!(
            names("7.3.4"),
            (
                vec![
                    "pl_a modules/7.3.4/pl_a.ko".to_owned(),
                    "pl_c modules/pl_c.ko".into()
                ],
                vec![
                    "no-build-for-kernel pl_b: the bundle has pl_b for 7.2.13 but not for this \
                     machine's kernel 7.3.4"
                        .to_owned()
                ]
            )
        );
        assert_eq!(names("7.1.0").1.len(), 2);

        for (modules, why) in [
            (
                format!("{0}, {0}", module("pl_a", "7.3.4")),
                "module pl_a is named twice for 7.3.4",
            ),
            (
                format!(
                    r#"{}, {{"name": "pl_a", "file": "pl_a.ko", "sha256": "{SHA}", "version": "1"}}"#,
                    module("pl_a", "7.3.4")
                ),
                "module pl_a is given both for every kernel",
            ),
            (
                format!(
                    r#"{{"name": "pl_a", "file": "pl_a.ko", "sha256": "{SHA}", "version": "1",
                         "release": "7.3 4"}}"#
                ),
                "modules[0]: \"release\" \"7.3 4\" is not a kernel release",
            ),
        ] {
            let err = manifest(&modules, "").unwrap_err();
            assert!(err.contains(why), "{err} does not contain {why}");
        }
    }

    #[test]
    fn a_new_version_swaps_an_interposer_of_another_name() {
        let entry = |swaps: &str| {
            format!(
                r#"{{"name": "interposer_v2", "file": "interposer_v2.ko", "sha256": "{SHA}",
                     "version": "2.0", "swaps": {swaps}}}"#
            )
        };
        let m = manifest(&entry("\"interposer\""), "").unwrap();
        assert_eq!(m.modules[0].swaps.as_deref(), Some("interposer"));
        for (swaps, why) in [
            ("\"interposer_v2\"", "names the module itself"),
            ("\"inter poser\"", "is not a module name"),
            ("3", "is not a module name"),
        ] {
            let err = manifest(&entry(swaps), "").unwrap_err();
            assert!(err.contains(why), "{err} does not contain {why}");
        }
    }

    #[test]
    fn the_hash_of_a_file_is_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty");
        fs::write(&path, "").unwrap();
        assert_eq!(sha256_file(&path).unwrap(), SHA);
    }
}
