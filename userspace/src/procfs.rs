//! preload's files under `/proc` (and `/proc/modules`), under the root
//! (`--root`), which tests replace with a fake.

use crate::error::{Error, Exit};
use crate::modules::{parse_loaded, LoadedModule};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// `CAP_SYS_MODULE`'s bit in the capability sets of `/proc/self/status`.
const CAP_SYS_MODULE: u32 = 16;

/// The proc file system, usually mounted at `/proc`.
pub struct Proc {
    dir: PathBuf,
}

/// One line of `/proc/preload/interposers`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Interposer {
    /// The interposer module.
    pub name: String,
    /// How many consumers are bound to it.
    pub bound: u64,
    /// The bound consumers.
    pub consumers: Vec<String>,
    /// The symbols it interposes.
    pub symbols: Vec<String>,
    /// Its modinfo version, if it has one and this preload shows it.
    pub version: Option<String>,
    /// Whether it is swappable: `yes`, `no`, `retired:NEW`, or empty if
    /// this preload does not say.
    pub swap: String,
    /// Where it is in its lifecycle: `loaded`, `started`, `quiescing`,
    /// `quiesced`, or empty if this preload does not say.
    pub state: String,
    /// The lifecycle handlers it declares, of `start`, `quiesce`, `export`
    /// and `import` (empty if none, or if this preload does not say).
    pub handlers: Vec<String>,
}

impl Proc {
    /// Uses the proc file system mounted at `dir`.
    pub fn new(dir: PathBuf) -> Proc {
        Proc { dir }
    }

    /// Returns the directory it is mounted at.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Returns the path of the live list.
    pub fn deps_path(&self) -> PathBuf {
        self.dir.join("preload/deps")
    }

    /// Returns whether preload is loaded, judged by its `/proc` directory.
    pub fn preload_loaded(&self) -> bool {
        self.deps_path().exists()
    }

    /// Fails with exit code 3 ([`Exit::NotLoaded`]) unless preload is loaded.
    pub fn require_preload(&self) -> Result<(), Error> {
        if self.preload_loaded() {
            return Ok(());
        }
        Err(Error::new(
            Exit::NotLoaded,
            format!(
                "preload is not loaded ({} does not exist); load it with `modprobe preload`",
                self.deps_path().display()
            ),
        ))
    }

    /// Reads the live list (root only: the file is 0600).
    pub fn read_deps(&self) -> Result<String, Error> {
        let path = self.deps_path();
        fs::read_to_string(&path).map_err(|e| Error::io("cannot read the live list", &path, &e))
    }

    /// Replaces the live list with `text` in one update: one open, the
    /// writes, one close. The kernel refuses a bad list and keeps the old one;
    /// a list it refuses only at the close is seen in its `closes_refused`.
    pub fn write_deps(&self, text: &str) -> Result<(), Error> {
        let path = self.deps_path();
        let refused = |why: &str| {
            Error::new(
                Exit::Kernel,
                format!(
                    "{}: the kernel refused the list{why} (its log says why)",
                    path.display()
                ),
            )
        };
        let refused_before = self.closes_refused();
        let mut file = fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| Error::io("cannot open the live list for writing", &path, &e))?;
        file.write_all(text.as_bytes())
            .map_err(|e| match e.kind() {
                io::ErrorKind::InvalidInput => refused(""),
                _ => Error::io("cannot write the live list", &path, &e),
            })?;
        drop(file);
        match (refused_before, self.closes_refused()) {
            (Some(before), Some(after)) if after > before => Err(refused(" when it was closed")),
            _ => Ok(()),
        }
    }

    /// The `closes_refused` counter, if this preload has it.
    fn closes_refused(&self) -> Option<u64> {
        let stats = self.read_stats().ok()?;
        stats
            .into_iter()
            .find(|(name, _)| name == "closes_refused")
            .map(|(_, value)| value)
    }

    /// Writes one swap request (`OLD NEW [force] [timeout=MS]`) to
    /// `/proc/preload/swap` in one `write()`; returns the kernel's error, if
    /// any. An interrupted write (`EINTR`) is returned, not retried: the
    /// request may have moved the consumers already.
    pub fn write_swap(&self, request: &str) -> io::Result<()> {
        let written = fs::OpenOptions::new()
            .write(true)
            .open(self.swap_path())?
            .write(request.as_bytes())?;
        if written == request.len() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("short write: {written} of {} bytes", request.len()),
            ))
        }
    }

    /// Returns the path of the swap requests file.
    pub fn swap_path(&self) -> PathBuf {
        self.dir.join("preload/swap")
    }

    /// Returns the path of the lifecycle requests file.
    pub fn lifecycle_path(&self) -> PathBuf {
        self.dir.join("preload/lifecycle")
    }

    /// Asks preload to move interposer `name` through its lifecycle
    /// (`/proc/preload/lifecycle`, one request per write: `start NAME` or
    /// `quiesce NAME`); returns the kernel's error, if any.
    pub fn write_lifecycle(&self, request: &str, name: &str) -> io::Result<()> {
        fs::OpenOptions::new()
            .write(true)
            .open(self.lifecycle_path())?
            .write_all(format!("{request} {name}\n").as_bytes())
    }

    /// Reads preload's counters as `(name, value)` pairs in file order.
    pub fn read_stats(&self) -> Result<Vec<(String, u64)>, Error> {
        let path = self.dir.join("preload/stats");
        let text = fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, &e))?;
        Ok(text
            .lines()
            .filter_map(|line| {
                let (name, value) = line.split_once(char::is_whitespace)?;
                Some((name.to_owned(), value.trim().parse().ok()?))
            })
            .collect())
    }

    /// Reads the interposers, or `None` if this preload has no such file.
    pub fn read_interposers(&self) -> Result<Option<Vec<Interposer>>, Error> {
        let path = self.dir.join("preload/interposers");
        match fs::read_to_string(&path) {
            Ok(text) => parse_interposers(&text).map(Some).map_err(|(line, why)| {
                Error::new(Exit::System, format!("{}:{line}: {why}", path.display()))
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("cannot read", &path, &e)),
        }
    }

    /// Reads the loaded modules.
    pub fn loaded_modules(&self) -> Result<Vec<LoadedModule>, Error> {
        let path = self.dir.join("modules");
        let text = fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, &e))?;
        Ok(parse_loaded(&text))
    }

    /// Returns this boot's id (`/proc/sys/kernel/random/boot_id`, new at
    /// every boot), if it can be read.
    pub fn boot_id(&self) -> Option<String> {
        let text = fs::read_to_string(self.dir.join("sys/kernel/random/boot_id")).ok()?;
        let id = text.trim();
        (!id.is_empty()).then(|| id.to_owned())
    }

    /// Returns whether this process has `CAP_SYS_MODULE`, if it can tell.
    pub fn has_cap_sys_module(&self) -> Option<bool> {
        let status = fs::read_to_string(self.dir.join("self/status")).ok()?;
        let caps = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?;
        let caps = u64::from_str_radix(caps.trim(), 16).ok()?;
        Some(caps & (1 << CAP_SYS_MODULE) != 0)
    }
}

/// Parses `/proc/preload/interposers`: one `NAME bound=N consumers=A,B
/// symbols=X,Y version=V swap=S state=STATE handlers=H` line per
/// interposer, `-` for an empty list; only `bound=` is required, as older
/// preloads print fewer fields. On failure returns the line number and the
/// reason.
pub fn parse_interposers(text: &str) -> Result<Vec<Interposer>, (usize, String)> {
    let mut interposers = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let fail = |why: String| (index + 1, why);
        let mut words = line.split_whitespace();
        let Some(name) = words.next() else { continue };
        let mut interposer = Interposer {
            name: name.to_owned(),
            ..Interposer::default()
        };
        let mut seen_bound = false;
        for word in words {
            let (key, value) = word
                .split_once('=')
                .ok_or_else(|| fail(format!("expected key=value, got {word:?}")))?;
            let list = || -> Vec<String> {
                value
                    .split(',')
                    .filter(|v| !v.is_empty() && *v != "-")
                    .map(str::to_owned)
                    .collect()
            };
            match key {
                "bound" => {
                    interposer.bound = value
                        .parse()
                        .map_err(|_| fail(format!("bad count {value:?}")))?;
                    seen_bound = true;
                }
                "consumers" => interposer.consumers = list(),
                "symbols" => interposer.symbols = list(),
                "version" if value != "-" => interposer.version = Some(value.to_owned()),
                "swap" => interposer.swap = value.to_owned(),
                "state" => interposer.state = value.to_owned(),
                "handlers" => interposer.handlers = list(),
                // Fields added later are not errors.
                _ => {}
            }
        }
        if !seen_bound {
            return Err(fail(format!("no bound= count for {name}")));
        }
        interposers.push(interposer);
    }
    Ok(interposers)
}

/// The errnos the kernel's `/proc/preload` writes refuse with, by what they
/// mean there (Linux's numbers; there is no libc crate here).
pub mod errno {
    /// Not a loaded interposer.
    pub const ENOENT: i32 = 2;
    /// Interrupted while waiting for calls still running to return.
    pub const EINTR: i32 = 4;
    /// Still serves consumers, or one is loading or unloading: try again.
    pub const EBUSY: i32 = 16;
    /// A malformed request, or a transition the state does not allow.
    pub const EINVAL: i32 = 22;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interposer_lines_parse() {
        let text = "interposer bound=2 consumers=pl_a,pl_b symbols=kmalloc_hook,printk_hook version=1.0 swap=yes state=started handlers=start,quiesce,export\n\
                    idle bound=0 consumers=- symbols=x version=- swap=retired:interposer state=quiesced handlers=-\n";
        let parsed = parse_interposers(text).unwrap();
        assert_eq!(
            parsed[0],
            Interposer {
                name: "interposer".into(),
                bound: 2,
                consumers: vec!["pl_a".into(), "pl_b".into()],
                symbols: vec!["kmalloc_hook".into(), "printk_hook".into()],
                version: Some("1.0".into()),
                swap: "yes".into(),
                state: "started".into(),
                handlers: vec!["start".into(), "quiesce".into(), "export".into()],
            }
        );
        assert_eq!(parsed[1].bound, 0);
        assert!(parsed[1].consumers.is_empty());
        assert_eq!(parsed[1].version, None);
        assert_eq!(parsed[1].swap, "retired:interposer");
        assert_eq!(parsed[1].state, "quiesced");
        assert!(parsed[1].handlers.is_empty());
    }

    #[test]
    fn lines_of_older_preloads_have_no_state_or_handlers() {
        let text = "old bound=1 consumers=pl_a symbols=x version=1.0 swap=yes\n\
                    older bound=0 consumers=- symbols=x\n";
        for interposer in parse_interposers(text).unwrap() {
            assert_eq!(interposer.state, "", "{interposer:?}");
            assert!(interposer.handlers.is_empty(), "{interposer:?}");
        }
    }

    #[test]
    fn lifecycle_requests_are_one_line_each() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("preload")).unwrap();
        let proc = Proc::new(dir.path().to_owned());
        assert_eq!(
            proc.write_lifecycle("start", "x").unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        fs::write(proc.lifecycle_path(), "").unwrap();
        proc.write_lifecycle("quiesce", "interposer").unwrap();
        assert_eq!(
            fs::read_to_string(proc.lifecycle_path()).unwrap(),
            "quiesce interposer\n"
        );
    }

    #[test]
    fn interposer_errors_name_the_line() {
        assert_eq!(
            parse_interposers("a bound=1\nb bound=x\n").unwrap_err().0,
            2
        );
        assert_eq!(parse_interposers("a consumers=-\n").unwrap_err().0, 1);
        assert_eq!(parse_interposers("a bound=1 stray\n").unwrap_err().0, 1);
        assert_eq!(parse_interposers("").unwrap(), vec![]);
    }

    #[test]
    fn capability_bit_is_read_from_status() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("self")).unwrap();
        let proc = Proc::new(dir.path().to_owned());
        assert_eq!(proc.has_cap_sys_module(), None);
        fs::write(
            dir.path().join("self/status"),
            "Name:\tx\nCapEff:\t0000000000010000\n",
        )
        .unwrap();
        assert_eq!(proc.has_cap_sys_module(), Some(true));
        fs::write(
            dir.path().join("self/status"),
            "CapEff:\t000001fffffeffff\n",
        )
        .unwrap();
        assert_eq!(proc.has_cap_sys_module(), Some(false));
    }
}
