//! The plan of a staged change (`/var/lib/preloadctl/staged/plan.json`): what
//! `prepare` decided and `commit` carries out. A commit keeps a copy as its
//! record (`/var/lib/preloadctl/commit/plan.json`), from which `rollback` undoes it.

use crate::error::{Error, Exit};
use crate::store::write_atomically;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};

/// The plan's file name in the staged and commit directories.
pub const FILE: &str = "plan.json";

/// One file a commit installs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// `module` or `list`.
    pub kind: String,
    /// The module's name, or the list file's name.
    pub name: String,
    /// The module's version (empty for lists).
    pub version: String,
    /// Its copy, relative to the staged directory.
    pub staged: PathBuf,
    /// Where it is installed.
    pub target: PathBuf,
    /// The installed file it replaces (moved aside if it is not `target`).
    pub replaces: Option<PathBuf>,
    /// The replaced file's sha256 when the change was prepared.
    pub old_sha256: Option<String>,
    /// Its sha256.
    pub sha256: String,
}

/// What `prepare` staged.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The bundle's name.
    pub name: String,
    /// The bundle's manifest's sha256.
    pub manifest_sha256: String,
    /// The live list when the change was prepared.
    pub live: String,
    /// The list the commit writes (canonical).
    pub list: String,
    /// The new list's entries.
    pub entries: usize,
    /// The files that change, in the order they are installed.
    pub changes: Vec<Change>,
    /// The bundle's modules that are installed already, unchanged.
    pub unchanged: Vec<String>,
    /// Loaded modules the commit unloads and loads again, in unload order
    /// (`prepare --reload-consumers`).
    pub reload: Vec<String>,
    /// The live swaps the commit makes: each loaded interposer `old` whose
    /// consumers move to its new version `new`, which the commit loads;
    /// then it unloads `old`.
    pub swaps: Vec<Swap>,
}

/// A live swap of a commit: `old`'s consumers move to `new`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Swap {
    /// The loaded interposer.
    pub old: String,
    /// Its new version, which the bundle brings.
    pub new: String,
}

impl Plan {
    /// Reads the plan in `dir`, or `None` if there is none.
    pub fn read(dir: &Path) -> Result<Option<Plan>, Error> {
        let path = dir.join(FILE);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("cannot read", &path, &e)),
        };
        Plan::from_json(&text)
            .map(Some)
            .map_err(|why| Error::new(Exit::System, format!("{}: {why}", path.display())))
    }

    /// Writes the plan into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(&self.to_json()).unwrap_or_default() + "\n";
        write_atomically(&dir.join(FILE), &text)
    }

    /// The modules it replaces or installs.
    pub fn modules(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.kind == "module")
    }

    /// The list files it installs.
    pub fn lists(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.kind == "list")
    }

    fn to_json(&self) -> Value {
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|c| {
                json!({
                    "kind": c.kind, "name": c.name, "version": c.version,
                    "staged": c.staged, "target": c.target, "replaces": c.replaces,
                    "old_sha256": c.old_sha256, "sha256": c.sha256,
                })
            })
            .collect();
        json!({
            "format": "preload-plan", "version": 1,
            "name": self.name, "manifest_sha256": self.manifest_sha256,
            "live": self.live, "list": self.list, "entries": self.entries,
            "changes": changes, "unchanged": self.unchanged, "reload": self.reload,
            "swaps": self.swaps.iter().map(|s| json!({"old": s.old, "new": s.new})).collect::<Vec<_>>(),
        })
    }

    fn from_json(text: &str) -> Result<Plan, String> {
        let json: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        if json["format"] != "preload-plan" || json["version"] != 1 {
            return Err("not a version 1 preload-plan".into());
        }
        let text = |v: &Value, key: &str| -> Result<String, String> {
            v[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("no \"{key}\""))
        };
        let strings = |key: &str| -> Vec<String> {
            json[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut changes = Vec::new();
        for c in json["changes"].as_array().into_iter().flatten() {
            changes.push(Change {
                kind: text(c, "kind")?,
                name: text(c, "name")?,
                version: text(c, "version")?,
                staged: text(c, "staged")?.into(),
                target: text(c, "target")?.into(),
                replaces: c["replaces"].as_str().map(PathBuf::from),
                old_sha256: c["old_sha256"].as_str().map(str::to_owned),
                sha256: text(c, "sha256")?,
            });
        }
        let mut swaps = Vec::new();
        for s in json["swaps"].as_array().into_iter().flatten() {
            swaps.push(Swap {
                old: text(s, "old")?,
                new: text(s, "new")?,
            });
        }
        Ok(Plan {
            name: text(&json, "name")?,
            manifest_sha256: text(&json, "manifest_sha256")?,
            live: text(&json, "live")?,
            list: text(&json, "list")?,
            entries: json["entries"].as_u64().unwrap_or(0) as usize,
            changes,
            unchanged: strings("unchanged"),
            reload: strings("reload"),
            swaps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let plan = Plan {
            name: "b".into(),
            manifest_sha256: "00".into(),
            live: "a: b\n".into(),
            list: "a: c\n".into(),
            entries: 1,
            changes: vec![Change {
                kind: "module".into(),
                name: "c".into(),
                version: "2".into(),
                staged: "modules/c.ko".into(),
                target: "/lib/modules/r/extra/c.ko".into(),
                replaces: None,
                old_sha256: None,
                sha256: "11".into(),
            }],
            unchanged: vec!["b".into()],
            reload: vec!["a".into()],
            swaps: vec![Swap {
                old: "c".into(),
                new: "c_v2".into(),
            }],
        };
        plan.write(dir.path()).unwrap();
        let again = Plan::read(dir.path()).unwrap().unwrap();
        assert_eq!(again.changes, plan.changes);
        assert_eq!(again.swaps, plan.swaps);
        assert_eq!(
            (again.live, again.list, again.reload),
            (plan.live, plan.list, plan.reload)
        );
        assert!(Plan::read(&dir.path().join("none")).unwrap().is_none());
    }
}
