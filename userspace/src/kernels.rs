//! The kernels installed under `/lib/modules` and the `preload.ko` each one
//! has, as `dkms status` shows them: `status` lists them, `doctor` checks
//! them.

use crate::context::Context;
use crate::error::Error;
use std::cmp::Ordering;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The names a `preload.ko` may have, compressed or not.
const PRELOAD_FILES: [&str; 4] = [
    "preload.ko",
    "preload.ko.xz",
    "preload.ko.zst",
    "preload.ko.gz",
];

/// The entries of a modules directory that are not installed modules: the
/// kernel's build and source trees (links on distributions).
const NOT_INSTALLED: [&str; 2] = ["build", "source"];

/// One installed kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kernel {
    /// Its release, the name of its directory under `/lib/modules`.
    pub release: String,
    /// Whether it is the running kernel.
    pub running: bool,
    /// Its `preload.ko`, if it has one.
    pub module: Option<PathBuf>,
}

/// Returns the running kernel's release (`uname -r`), from
/// `/proc/sys/kernel/osrelease`.
pub fn running_release(ctx: &Context) -> Result<String, Error> {
    let path = ctx.proc.dir().join("sys/kernel/osrelease");
    let release = fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, &e))?;
    Ok(release.trim().to_owned())
}

/// Returns every kernel with a directory under `/lib/modules`, and the
/// running kernel `running` even without one, in version order, each with
/// its `preload.ko`.
pub fn installed(ctx: &Context, running: Option<&str>) -> Result<Vec<Kernel>, Error> {
    let dir = ctx.under("/lib/modules");
    let mut releases = Vec::new();
    match fs::read_dir(&dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.map_err(|e| Error::io("cannot list", &dir, &e))?;
                // A link to a directory counts, as it does for modprobe.
                if entry.path().is_dir() {
                    releases.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("cannot list", &dir, &e)),
    }
    if let Some(running) = running {
        if !releases.iter().any(|r| r == running) {
            releases.push(running.to_owned());
        }
    }
    releases.sort_by(|a, b| release_order(a, b));
    releases
        .into_iter()
        .map(|release| {
            Ok(Kernel {
                running: running == Some(release.as_str()),
                module: find_preload(&dir.join(&release))?,
                release,
            })
        })
        .collect()
}

/// Finds `preload.ko` (or `.ko.xz`, `.ko.zst`, `.ko.gz`) anywhere under the
/// modules directory `dir` (`updates/`, `extra/`, ...), not following links
/// and leaving out the build and source trees. If there are several, the one
/// under `updates/` wins (depmod's default order), then the first by path.
pub fn find_preload(dir: &Path) -> Result<Option<PathBuf>, Error> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        let entries = match fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io("cannot list", &current, &e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("cannot list", &current, &e))?;
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| Error::io("cannot stat", &path, &e))?;
            let name = entry.file_name();
            if kind.is_dir() {
                if current != dir || !NOT_INSTALLED.iter().any(|n| name == *n) {
                    pending.push(path);
                }
            } else if PRELOAD_FILES.iter().any(|n| name == *n) {
                found.push(path);
            }
        }
    }
    found.sort_by_key(|path| (!path.starts_with(dir.join("updates")), path.clone()));
    Ok(found.into_iter().next())
}

/// Orders releases as versions: runs of digits by their value
/// (`7.3.9` before `7.3.10`), everything else by its bytes.
pub fn release_order(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        let (Some(&x), Some(&y)) = (a.first(), b.first()) else {
            return a.len().cmp(&b.len());
        };
        if x.is_ascii_digit() && y.is_ascii_digit() {
            let digits = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
            let (m, n) = (digits(a), digits(b));
            let trim =
                |s: &[u8]| -> Vec<u8> { s.iter().copied().skip_while(|&c| c == b'0').collect() };
            let (p, q) = (trim(&a[..m]), trim(&b[..n]));
            let order = p.len().cmp(&q.len()).then_with(|| p.cmp(&q));
            if order != Ordering::Equal {
                return order;
            }
            (a, b) = (&a[m..], &b[n..]);
        } else {
            if x != y {
                return x.cmp(&y);
            }
            (a, b) = (&a[1..], &b[1..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_sort_as_versions() {
        let mut releases = vec![
            "7.3.10",
            "7.3.9",
            "6.12.0-31-amd64",
            "7.3.4+deb13-amd64",
            "7.3.4",
        ];
        releases.sort_by(|a, b| release_order(a, b));
        assert_eq!(
            releases,
            [
                "6.12.0-31-amd64",
                "7.3.4",
                "7.3.4+deb13-amd64",
                "7.3.9",
                "7.3.10"
            ]
        );
        assert_eq!(release_order("7.3.04", "7.3.4"), Ordering::Equal);
    }

    #[test]
    fn preload_is_found_anywhere_but_in_the_build_tree() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str| {
            let path = dir.path().join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "").unwrap();
        };
        assert_eq!(find_preload(dir.path()).unwrap(), None);
        write("build/preload.ko");
        write("kernel/drivers/preloader.ko");
        write("source/x/preload.ko.xz");
        assert_eq!(find_preload(dir.path()).unwrap(), None);
        write("extra/preload/preload.ko.zst");
        assert_eq!(
            find_preload(dir.path()).unwrap(),
            Some(dir.path().join("extra/preload/preload.ko.zst"))
        );
        write("updates/dkms/preload.ko");
        assert_eq!(
            find_preload(dir.path()).unwrap(),
            Some(dir.path().join("updates/dkms/preload.ko"))
        );
        assert_eq!(find_preload(&dir.path().join("gone")).unwrap(), None);
    }
}
