//! The history of the live list, under `/var/lib/preloadctl/history/`.
//!
//! Every command that replaces the live list (`apply`, `commit`, `restart`,
//! `rollback`) records the list it wrote as a numbered entry: `N.conf`, the
//! list (canonical), then `N.json`, when, which command, from which files,
//! which entry it replaced and in which boot; an entry whose `N.json` is
//! missing does not count. The newest [`KEEP`] entries are kept, the oldest
//! dropped; numbers are never reused.
//!
//! The list a command replaces is the newest entry's, normally. If it is
//! not, it was written outside preloadctl, or it is the list preload read
//! when it loaded at boot, before `preloadctl.service` applied the config.
//! The first is recorded before the change, as a `found` entry; the second
//! is not recorded at all, so that a reboot does not push the real states
//! out of the history, and a boot-time apply of the list that was live
//! before the reboot adds no entry ([`History::judge`] has the rule).
//!
//! An older preloadctl kept one list, `last-good.conf`: while the history
//! is empty it is read as entry 1, and the first change takes it in.

use crate::clock;
use crate::config;
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::output::note;
use crate::store::write_atomically;
use serde_json::{json, Value};
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// How many entries are kept.
pub const KEEP: usize = 20;

/// The file holding the boot in which preloadctl last changed the live list.
const BOOT_FILE: &str = "boot";

/// The command of a `rollback`'s entry, and of a failed commit's.
pub const ROLLBACK: &str = "rollback";

/// One entry: a list that was live, and how it came to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its number, one more than the entry before.
    pub number: u64,
    /// When it was recorded, in seconds since the epoch.
    pub time: u64,
    /// `apply`, `commit`, `restart`, `rollback`; `found` for a live list
    /// written outside preloadctl, `last-good` for an older preloadctl's
    /// last-known-good list.
    pub command: String,
    /// What else says how it came to be: the bundle, the entry rolled back to.
    pub detail: String,
    /// The files the list was merged from, if it was.
    pub sources: Vec<String>,
    /// Its entries (consumer-dependency pairs).
    pub entries: usize,
    /// The boot it was recorded in (`/proc/sys/kernel/random/boot_id`).
    pub boot: Option<String>,
    /// The entry whose list it replaced, if it was in the history.
    pub replaced: Option<u64>,
    /// Whether it replaced the list preload read at boot (not recorded).
    pub replaced_boot_list: bool,
}

impl Entry {
    fn to_json(&self) -> Value {
        json!({
            "number": self.number,
            "time": self.time,
            "command": self.command,
            "detail": self.detail,
            "sources": self.sources,
            "entries": self.entries,
            "boot": self.boot,
            "replaced": self.replaced,
            "replaced_boot_list": self.replaced_boot_list,
        })
    }

    fn from_json(value: &Value) -> Option<Entry> {
        let text = |key: &str| value[key].as_str().map(str::to_owned);
        Some(Entry {
            number: value["number"].as_u64()?,
            time: value["time"].as_u64().unwrap_or(0),
            command: text("command")?,
            detail: text("detail").unwrap_or_default(),
            sources: value["sources"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            entries: value["entries"].as_u64().unwrap_or(0) as usize,
            boot: text("boot"),
            replaced: value["replaced"].as_u64(),
            replaced_boot_list: value["replaced_boot_list"].as_bool().unwrap_or(false),
        })
    }

    /// The detail and the sources in one line, for people.
    pub fn what(&self) -> String {
        match (self.detail.as_str(), self.sources.as_slice()) {
            (detail, []) => detail.to_owned(),
            ("", sources) => sources.join(" "),
            (detail, sources) => format!("{detail}: {}", sources.join(" ")),
        }
    }

    /// The time it was recorded, RFC 3339 in UTC.
    pub fn when(&self) -> String {
        clock::format_utc(self.time)
    }
}

/// What the list a command replaces is to the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replaced {
    /// The list of the newest entry, this one.
    Entry(u64),
    /// The list preload read when it loaded in this boot: not recorded.
    BootList,
    /// A list the history does not have: recorded as a `found` entry
    /// before the change.
    Found,
}

/// The history as it is on disk.
pub struct History {
    dir: PathBuf,
    /// Oldest first.
    entries: Vec<Entry>,
    /// An older preloadctl's `last-good.conf`, read as entry 1 while the
    /// history is empty.
    legacy: Option<PathBuf>,
    /// The boot in which preloadctl last changed the live list.
    boot: Option<String>,
}

impl History {
    /// Reads the history (an empty one if there is none yet).
    pub fn open(ctx: &Context) -> Result<History, Error> {
        let dir = ctx.history_dir();
        let mut entries = Vec::new();
        match fs::read_dir(&dir) {
            Ok(listing) => {
                for item in listing {
                    let path = item.map_err(|e| Error::io("cannot list", &dir, &e))?.path();
                    // A broken entry must not stop the command that would
                    // record the next (preloadctl.service's apply at boot).
                    match read_entry(&path) {
                        Ok(Some(entry)) => entries.push(entry),
                        Ok(None) => {}
                        Err(e) => note!("preloadctl: warning: {e}; the entry is left out"),
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("cannot list", &dir, &e)),
        }
        entries.sort_by_key(|e| e.number);
        let mut legacy = None;
        let last_good = ctx.last_good();
        if entries.is_empty() && last_good.is_file() {
            entries.push(legacy_entry(&last_good)?);
            legacy = Some(last_good);
        }
        let boot = match fs::read_to_string(dir.join(BOOT_FILE)) {
            Ok(text) => Some(text.trim().to_owned()).filter(|b| !b.is_empty()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io("cannot read", &dir.join(BOOT_FILE), &e)),
        };
        Ok(History {
            dir,
            entries,
            legacy,
            boot,
        })
    }

    /// The directory it is kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The newest entry.
    pub fn newest(&self) -> Option<&Entry> {
        self.entries.last()
    }

    /// The entry numbered `number`.
    pub fn get(&self, number: u64) -> Option<&Entry> {
        self.entries.iter().find(|e| e.number == number)
    }

    /// The file holding `entry`'s list.
    pub fn list_path(&self, entry: &Entry) -> PathBuf {
        match &self.legacy {
            Some(path) if entry.command == "last-good" => path.clone(),
            _ => self.dir.join(format!("{}.conf", entry.number)),
        }
    }

    /// `entry`'s list.
    pub fn list(&self, entry: &Entry) -> Result<String, Error> {
        let path = self.list_path(entry);
        fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, &e))
    }

    /// The newest entry whose list is `live`: the one that is live.
    pub fn live_entry(&self, live: &str) -> Result<Option<&Entry>, Error> {
        for entry in self.entries.iter().rev() {
            if self.list(entry)? == live {
                return Ok(Some(entry));
            }
        }
        Ok(None)
    }

    /// Judges the live list `live`, which a command is about to replace.
    ///
    /// It is the newest entry's list, normally. If not, it is taken for the
    /// list preload read when it loaded at boot, and not recorded, when
    /// preloadctl has not changed the live list since the machine booted:
    /// the boot id of the last change (kept in `history/boot`) is not this
    /// boot's. Without a boot to compare (no change recorded yet, as on a
    /// new install or one coming from `last-good.conf`, or no boot id), it
    /// is taken for it if it is the list `/etc/preload-modules.conf` alone
    /// gives, which is what preload reads at load. Any other list was
    /// written outside preloadctl, and is recorded.
    pub fn judge(&self, ctx: &Context, live: &str) -> Result<Replaced, Error> {
        if let Some(newest) = self.newest() {
            if self.list(newest)? == live {
                return Ok(Replaced::Entry(newest.number));
            }
        }
        let boot_list = match (ctx.proc.boot_id(), &self.boot) {
            (Some(now), Some(last)) => now != *last,
            _ => main_list(ctx).as_deref() == Some(live),
        };
        Ok(if boot_list {
            Replaced::BootList
        } else {
            Replaced::Found
        })
    }

    /// The entry a plain `rollback` restores, with the live list `live`
    /// judged `replaced`: the newest list before the last change, which is
    /// the newest entry, or the live list if it is to be recorded as found.
    /// If the last change was a rollback, its own list: there is nothing
    /// more to undo, so a second rollback changes nothing. `None`: there is
    /// no list before it.
    pub fn rollback_target(&self, live: &str, replaced: Replaced) -> Result<Option<&Entry>, Error> {
        let last = match replaced {
            Replaced::Found => live.to_owned(),
            Replaced::Entry(_) | Replaced::BootList => match self.newest() {
                None => return Ok(None),
                Some(newest) if newest.command == ROLLBACK => return Ok(Some(newest)),
                Some(newest) => self.list(newest)?,
            },
        };
        for entry in self.entries.iter().rev() {
            if self.list(entry)? != last {
                return Ok(Some(entry));
            }
        }
        Ok(None)
    }

    /// Adds an entry with `list`, taking in the legacy list first and
    /// dropping the oldest beyond [`KEEP`]; returns its number.
    fn add(&mut self, mut entry: Entry, list: &str) -> Result<u64, Error> {
        fs::create_dir_all(&self.dir).map_err(|e| Error::io("cannot create", &self.dir, &e))?;
        if let Some(legacy) = self.legacy.take() {
            if let Some(first) = self.entries.first() {
                let text = fs::read_to_string(&legacy)
                    .map_err(|e| Error::io("cannot read", &legacy, &e))?;
                self.write(first, &text)?;
            }
            fs::remove_file(&legacy).map_err(|e| Error::io("cannot remove", &legacy, &e))?;
        }
        entry.number = self.newest().map_or(1, |n| n.number + 1);
        self.write(&entry, list)?;
        let number = entry.number;
        self.entries.push(entry);
        while self.entries.len() > KEEP {
            let oldest = self.entries.remove(0);
            for file in [
                format!("{}.json", oldest.number),
                format!("{}.conf", oldest.number),
            ] {
                let path = self.dir.join(file);
                match fs::remove_file(&path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => {
                        return Err(Error::io("cannot remove", &path, &e))
                    }
                    _ => {}
                }
            }
        }
        Ok(number)
    }

    /// Writes `entry` with `list`: the list first, so that an entry is
    /// complete once its `N.json` is there.
    fn write(&self, entry: &Entry, list: &str) -> Result<(), Error> {
        write_atomically(&self.dir.join(format!("{}.conf", entry.number)), list)?;
        let text = serde_json::to_string_pretty(&entry.to_json()).unwrap_or_default() + "\n";
        write_atomically(&self.dir.join(format!("{}.json", entry.number)), &text)
    }

    /// Notes that preloadctl changed the live list in this boot.
    fn mark_boot(&mut self, boot: Option<&String>) -> Result<(), Error> {
        let Some(boot) = boot else { return Ok(()) };
        if self.boot.as_ref() == Some(boot) {
            return Ok(());
        }
        fs::create_dir_all(&self.dir).map_err(|e| Error::io("cannot create", &self.dir, &e))?;
        write_atomically(&self.dir.join(BOOT_FILE), &format!("{boot}\n"))?;
        self.boot = Some(boot.clone());
        Ok(())
    }
}

/// Reads the entry whose `N.json` is at `path`; `None` if `path` is no
/// such file, or its list is missing.
fn read_entry(path: &Path) -> Result<Option<Entry>, Error> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(None);
    };
    let Some(number) = name.strip_suffix(".json") else {
        return Ok(None);
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    if !path.with_extension("conf").is_file() {
        return Ok(None);
    }
    let text = fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, &e))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        Error::new(
            Exit::System,
            format!("{}: not a history entry: {e}", path.display()),
        )
    })?;
    match Entry::from_json(&value) {
        Some(entry) if entry.number.to_string() == number => Ok(Some(entry)),
        _ => Err(Error::new(
            Exit::System,
            format!("{}: not a history entry", path.display()),
        )),
    }
}

/// An older preloadctl's `last-good.conf`, as entry 1.
fn legacy_entry(path: &Path) -> Result<Entry, Error> {
    let text = fs::read(path).map_err(|e| Error::io("cannot read", path, &e))?;
    let time = fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    Ok(Entry {
        number: 1,
        time,
        command: "last-good".into(),
        detail: "saved by an older preloadctl".into(),
        sources: vec![path.display().to_string()],
        entries: config::parse(path, &text).config.entries(),
        boot: None,
        replaced: None,
        replaced_boot_list: false,
    })
}

/// The names of `sources` as an entry records them: absolute paths.
pub fn source_names(sources: &[PathBuf]) -> Vec<String> {
    sources
        .iter()
        .map(|p| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        })
        .collect()
}

/// The list `/etc/preload-modules.conf` alone gives (empty if there is no
/// such file), which preload reads at load; `None` if it does not check.
fn main_list(ctx: &Context) -> Option<String> {
    let main = ctx.config_file();
    let files = if main.exists() { vec![main] } else { vec![] };
    let loaded = config::load(&files);
    loaded.errors.is_empty().then(|| loaded.config.canonical())
}

/// A change of the live list being made, from before it is made until it
/// is recorded.
pub struct Recorder {
    history: History,
    replaced: Replaced,
    boot: Option<String>,
}

/// What a change was recorded as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The entry that holds the list written.
    pub number: u64,
    /// Whether that entry is new (or the newest already had the list).
    pub added: bool,
    /// Whether the list replaced was the one preload read at boot.
    pub replaced_boot_list: bool,
}

impl fmt::Display for Recorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.added {
            true => write!(f, "history entry {}", self.number)?,
            false => write!(f, "the list of history entry {} again", self.number)?,
        }
        if self.replaced_boot_list {
            f.write_str(" (the list it replaced, read by preload at boot, is not recorded)")?;
        }
        Ok(())
    }
}

impl Recorder {
    /// Before a command replaces the live list `live`: records it first if
    /// it was written outside preloadctl (see [`History::judge`]).
    pub fn begin(ctx: &Context, live: &str) -> Result<Recorder, Error> {
        let mut history = History::open(ctx)?;
        let boot = ctx.proc.boot_id();
        let replaced = match history.judge(ctx, live)? {
            Replaced::Found => {
                let found = Entry {
                    number: 0,
                    time: clock::now(),
                    command: "found".into(),
                    detail: "written outside preloadctl".into(),
                    sources: Vec::new(),
                    entries: config::parse(Path::new("live"), live.as_bytes())
                        .config
                        .entries(),
                    boot: boot.clone(),
                    replaced: None,
                    replaced_boot_list: false,
                };
                Replaced::Entry(history.add(found, live)?)
            }
            judged => judged,
        };
        Ok(Recorder {
            history,
            replaced,
            boot,
        })
    }

    /// Once the command wrote `list` (merged from `sources`): records it as
    /// a new entry of `command`, unless the newest entry has that list
    /// already (a boot-time apply of the list that was live before the
    /// reboot) and `always` is false.
    pub fn finish(
        mut self,
        command: &str,
        detail: String,
        sources: Vec<String>,
        list: &str,
        always: bool,
    ) -> Result<Recorded, Error> {
        let replaced_boot_list = self.replaced == Replaced::BootList;
        if let Some(newest) = self.history.newest() {
            if !always && self.history.list(newest)? == list {
                let number = newest.number;
                self.history.mark_boot(self.boot.as_ref())?;
                return Ok(Recorded {
                    number,
                    added: false,
                    replaced_boot_list,
                });
            }
        }
        let entry = Entry {
            number: 0,
            time: clock::now(),
            command: command.into(),
            detail,
            sources,
            entries: config::parse(Path::new("list"), list.as_bytes())
                .config
                .entries(),
            boot: self.boot.clone(),
            replaced: match self.replaced {
                Replaced::Entry(number) => Some(number),
                Replaced::BootList | Replaced::Found => None,
            },
            replaced_boot_list,
        };
        let number = self.history.add(entry, list)?;
        self.history.mark_boot(self.boot.as_ref())?;
        Ok(Recorded {
            number,
            added: true,
            replaced_boot_list,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(dir: &Path) -> Context {
        Context::new(dir.to_owned())
    }

    fn entry(command: &str) -> Entry {
        Entry {
            number: 0,
            time: 1_764_426_900,
            command: command.into(),
            detail: String::new(),
            sources: vec!["/etc/preload-modules.conf".into()],
            entries: 1,
            boot: Some("b1".into()),
            replaced: None,
            replaced_boot_list: false,
        }
    }

    #[test]
    fn entries_round_trip_and_broken_ones_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path());
        let mut history = History::open(&ctx).unwrap();
        assert_eq!(history.add(entry("apply"), "a: b\n").unwrap(), 1);
        assert_eq!(history.add(entry("apply"), "a: c\n").unwrap(), 2);
        let again = History::open(&ctx).unwrap();
        assert_eq!(again.entries(), history.entries());
        assert_eq!(again.newest().unwrap().when(), "2025-11-29T14:35:00Z");
        assert_eq!(again.list(again.get(1).unwrap()).unwrap(), "a: b\n");

        // A list without its N.json (a write cut short) does not count, nor
        // does an N.json that is not an entry; the next number follows the
        // newest entry.
        let hist = ctx.history_dir();
        fs::write(hist.join("3.conf"), "a: d\n").unwrap();
        fs::write(hist.join("4.json"), "{").unwrap();
        fs::write(hist.join("4.conf"), "a: e\n").unwrap();
        fs::write(hist.join("notes.json"), "{}").unwrap();
        let mut broken = History::open(&ctx).unwrap();
        assert_eq!(broken.entries().len(), 2);
        assert_eq!(broken.add(entry("apply"), "a: f\n").unwrap(), 3);
        assert_eq!(fs::read_to_string(hist.join("3.conf")).unwrap(), "a: f\n");
    }

    #[test]
    fn the_boot_list_is_judged_by_the_boot_then_by_the_main_file() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path());
        fs::create_dir_all(dir.path().join("etc")).unwrap();
        fs::write(ctx.config_file(), "a: b\n").unwrap();
        let history = History::open(&ctx).unwrap();
        // No boot to compare: the main file's list is the boot list.
        assert_eq!(history.judge(&ctx, "a: b\n").unwrap(), Replaced::BootList);
        assert_eq!(history.judge(&ctx, "a: c\n").unwrap(), Replaced::Found);

        let random = dir.path().join("proc/sys/kernel/random");
        fs::create_dir_all(&random).unwrap();
        fs::write(random.join("boot_id"), "b1\n").unwrap();
        let recorder = Recorder::begin(&ctx, "a: c\n").unwrap();
        let recorded = recorder
            .finish("apply", String::new(), Vec::new(), "a: d\n", false)
            .unwrap();
        assert_eq!((recorded.number, recorded.added), (2, true));
        let history = History::open(&ctx).unwrap();
        assert_eq!(history.judge(&ctx, "a: d\n").unwrap(), Replaced::Entry(2));
        // Changed in this boot, not by preloadctl: found, whatever it is.
        assert_eq!(history.judge(&ctx, "a: b\n").unwrap(), Replaced::Found);
        // In the next boot, before preloadctl changed it: the boot list.
        fs::write(random.join("boot_id"), "b2\n").unwrap();
        assert_eq!(history.judge(&ctx, "x: y\n").unwrap(), Replaced::BootList);
    }

    #[test]
    fn rollback_goes_back_from_the_last_change_but_not_from_a_rollback() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path());
        let mut history = History::open(&ctx).unwrap();
        for (command, list) in [
            ("apply", "a: b\n"),
            ("apply", "a: c\n"),
            ("apply", "a: c\n"),
        ] {
            history.add(entry(command), list).unwrap();
        }
        let target = |h: &History, live: &str, replaced| {
            h.rollback_target(live, replaced).unwrap().map(|e| e.number)
        };
        // Entries with the same list are one state: back to entry 1.
        assert_eq!(target(&history, "a: c\n", Replaced::Entry(3)), Some(1));
        assert_eq!(target(&history, "boot\n", Replaced::BootList), Some(1));
        // A found live list is undone to the newest entry.
        assert_eq!(target(&history, "x: y\n", Replaced::Found), Some(3));
        history.add(entry(ROLLBACK), "a: b\n").unwrap();
        assert_eq!(target(&history, "a: b\n", Replaced::Entry(4)), Some(4));
        let empty = tempfile::tempdir().unwrap();
        let mut first = History::open(&context(empty.path())).unwrap();
        assert_eq!(target(&first, "a: b\n", Replaced::BootList), None);
        first.add(entry("apply"), "a: b\n").unwrap();
        assert_eq!(target(&first, "a: b\n", Replaced::Entry(1)), None);
    }
}
