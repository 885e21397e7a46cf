//! Reasons to refuse a change (vetoes), and the two checks that need the
//! running system: loaded modules the change cannot reach without unloading
//! them, and the hooks in `/etc/preloadctl/veto.d/`.

use crate::config::Config;
use crate::error::{describe, Error};
use crate::modules::LoadedModule;
use crate::sys;
use preload_deps::Name;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::io;
use std::io::Seek;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Why a change was refused: a stable reason (for machines), the file,
/// module or hook it is about, and a sentence (for people).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Veto {
    /// `bad-signature`, `bad-bundle`, `hash-mismatch`, `invalid-list`,
    /// `missing-module`, `no-build-for-kernel`, `no-swap`, `loaded-consumer`,
    /// `abi` or `hook`.
    pub reason: &'static str,
    /// What it is about (a module, a file, a hook), or empty.
    pub subject: String,
    /// Why, in a sentence.
    pub detail: String,
}

impl Veto {
    /// A veto for `reason` about `subject`.
    pub fn new(
        reason: &'static str,
        subject: impl Into<String>,
        detail: impl Into<String>,
    ) -> Veto {
        Veto {
            reason,
            subject: subject.into(),
            detail: detail.into(),
        }
    }

    /// The veto as a JSON object.
    pub fn to_json(&self) -> Value {
        json!({"reason": self.reason, "subject": self.subject, "detail": self.detail})
    }
}

impl fmt::Display for Veto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "veto: {}: {}", self.reason, self.detail)
    }
}

/// The loaded modules a change reaches only through an unload and a load:
/// `reload` in unload order (users first), and why each is in it.
#[derive(Debug, Default)]
pub struct Reload {
    /// The modules to unload, users first; they load again in reverse.
    pub order: Vec<String>,
    /// Why each one is there, by name.
    pub why: BTreeMap<String, String>,
}

/// Finds the loaded modules the change from `live` to `new` (with the
/// modules `replaced`) cannot take effect on while they stay loaded: a
/// consumer whose dependencies change, a module whose file is replaced, and
/// every loaded module using one of those. A dependency on an interposer
/// that is `swapped` (old name to new) is the same as one on the new
/// version: the swap moves the consumer while it runs. preload itself is
/// left out: it reads its own new file only at its next load (`preloadctl
/// restart`).
pub fn loaded_modules(
    live: &Config,
    new: &Config,
    loaded: &[LoadedModule],
    replaced: &BTreeSet<String>,
    swapped: &BTreeMap<String, String>,
) -> Reload {
    let mut why = BTreeMap::new();
    for module in loaded {
        if module.name == "preload" {
            continue;
        }
        if replaced.contains(&module.name) {
            why.insert(
                module.name.clone(),
                "its module file is replaced".to_owned(),
            );
            continue;
        }
        let Ok(name) = Name::new(module.name.as_bytes()) else {
            continue;
        };
        let (before, after) = (
            deps_text(live, &name, swapped),
            deps_text(new, &name, &BTreeMap::new()),
        );
        if before != after {
            why.insert(
                module.name.clone(),
                format!("its dependencies change ({before} -> {after})"),
            );
        }
    }
    // Whatever uses a module that must go has to go first.
    let by_name: BTreeMap<&str, &LoadedModule> =
        loaded.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut pending: Vec<String> = why.keys().cloned().collect();
    while let Some(name) = pending.pop() {
        for user in by_name
            .get(name.as_str())
            .map_or(&[][..], |m| &m.used_by[..])
        {
            let user = crate::modules::canonical(user);
            if user != "preload" && !why.contains_key(&user) {
                why.insert(user.clone(), format!("it uses {name}"));
                pending.push(user);
            }
        }
    }
    // Unload order: a module goes once none of its users in the set is left.
    let mut left: BTreeSet<String> = why.keys().cloned().collect();
    let mut order = Vec::new();
    while !left.is_empty() {
        let ready: Vec<String> = left
            .iter()
            .filter(|m| {
                by_name.get(m.as_str()).is_none_or(|m| {
                    m.used_by
                        .iter()
                        .all(|u| !left.contains(&crate::modules::canonical(u)))
                })
            })
            .cloned()
            .collect();
        // A cycle of users cannot be ordered: take the rest as they come.
        let ready = if ready.is_empty() {
            left.iter().cloned().collect()
        } else {
            ready
        };
        for m in ready {
            left.remove(&m);
            order.push(m);
        }
    }
    Reload { order, why }
}

/// Turns the modules to reload into one veto each, naming the flag that
/// would accept them.
pub fn reload_vetoes(reload: &Reload) -> Vec<Veto> {
    let all = reload.order.join(", ");
    reload
        .order
        .iter()
        .map(|m| {
            let why = reload.why.get(m).map_or("", String::as_str);
            Veto::new(
                "loaded-consumer",
                m.clone(),
                format!(
                    "{m} is loaded and {why}; that takes effect only when it is unloaded \
                     and loaded again (prepare --reload-consumers would do that at commit: \
                     rmmod, then modprobe, of {all})"
                ),
            )
        })
        .collect()
}

/// A consumer's dependencies as the list writes them, or `none`; a
/// dependency `renamed` is written with its new name.
fn deps_text(config: &Config, consumer: &Name, renamed: &BTreeMap<String, String>) -> String {
    let deps: Vec<String> = config
        .list()
        .deps_of(consumer)
        .iter()
        .map(|e| {
            let dep = e.dep.as_str();
            let dep = renamed.get(dep).map_or(dep, String::as_str);
            format!("{}{dep}", if e.optional { "?" } else { "" })
        })
        .collect();
    if deps.is_empty() {
        "none".to_owned()
    } else {
        deps.join(" ")
    }
}

/// Runs each executable in `dir` (lexical order; hidden files, files that
/// are not executable and `NAME.timeout` files are skipped) with the staged
/// change's directory as its argument and in `PRELOAD_STAGED`; each that
/// exits non-zero, cannot run or runs past its timeout vetoes. A hook's
/// timeout is `timeout`, or the seconds its `NAME.timeout` file says; one
/// that runs past it is killed with every process it started (its process
/// group).
pub fn run_hooks(
    dir: &Path,
    staged: &Path,
    bundle: &str,
    timeout: Duration,
) -> Result<Vec<Veto>, Error> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("cannot list", dir, &e)),
    };
    let mut hooks = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io("cannot list", dir, &e))?.path();
        let skipped = path.file_name().is_none_or(|n| {
            let n = n.to_string_lossy();
            n.starts_with('.') || n.ends_with(TIMEOUT_SUFFIX)
        });
        let executable =
            fs::metadata(&path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
        if !skipped && executable {
            hooks.push(path);
        }
    }
    hooks.sort();
    let mut vetoes = Vec::new();
    for hook in hooks {
        let name = hook
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let detail = match hook_timeout(&hook, timeout) {
            Err(why) => why,
            Ok(timeout) => match run_hook(&hook, staged, bundle, timeout) {
                Ok(None) => continue,
                Ok(Some(why)) => why,
                Err(e) => format!("hook {} cannot run: {}", hook.display(), describe(&e)),
            },
        };
        vetoes.push(Veto::new("hook", name, detail));
    }
    Ok(vetoes)
}

/// The suffix of the file that sets a hook's timeout: `NAME.timeout`.
const TIMEOUT_SUFFIX: &str = ".timeout";

/// The hook's timeout: the whole seconds in its `NAME.timeout` file, or
/// `default`; an unreadable or bad file is the hook's veto.
fn hook_timeout(hook: &Path, default: Duration) -> Result<Duration, String> {
    let mut file = hook.as_os_str().to_owned();
    file.push(TIMEOUT_SUFFIX);
    let file = Path::new(&file);
    match fs::read_to_string(file) {
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
            _ => Err(format!(
                "{}: {:?} is not a whole number of seconds above 0",
                file.display(),
                text.trim()
            )),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(default),
        Err(e) => Err(format!("{}: {}", file.display(), describe(&e))),
    }
}

/// Runs one hook for at most `timeout`; returns why it vetoes, or `None`.
/// Its output goes to a file (not a pipe, which a process it left behind
/// could hold open), of which the last line is quoted.
fn run_hook(
    hook: &Path,
    staged: &Path,
    bundle: &str,
    timeout: Duration,
) -> io::Result<Option<String>> {
    let output = tempfile_in_tmp()?;
    let mut child = Command::new(hook)
        .arg(staged)
        .env("PRELOAD_STAGED", staged)
        .env("PRELOAD_BUNDLE", bundle)
        .stdin(Stdio::null())
        .stdout(output.try_clone()?)
        .stderr(output.try_clone()?)
        .process_group(0)
        .spawn()?;
    // A timeout too long to add to the clock is none.
    let deadline = Instant::now().checked_add(timeout);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Whatever it left running goes too: the hook has had its say.
    sys::kill_process_group(child.id());
    let Some(status) = status else {
        // Reaps it; it was killed.
        child.wait()?;
        return Ok(Some(format!(
            "hook {} did not finish within its timeout of {} s and was killed (prepare \
             --hook-timeout, or a {}{TIMEOUT_SUFFIX} file holding seconds, sets it)",
            hook.display(),
            timeout.as_secs(),
            hook.display()
        )));
    };
    if status.success() {
        return Ok(None);
    }
    let said = last_line(output)?;
    Ok(Some(match said {
        Some(said) => format!("hook {} said no ({status}): {said}", hook.display()),
        None => format!("hook {} said no ({status})", hook.display()),
    }))
}

/// An unnamed file in the temporary directory, gone when closed.
fn tempfile_in_tmp() -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_TMPFILE)
        .open(std::env::temp_dir())
}

/// The last non-blank line of what the hook wrote.
fn last_line(mut output: fs::File) -> io::Result<Option<String>> {
    let mut text = String::new();
    output.seek(io::SeekFrom::Start(0))?;
    io::Read::read_to_string(&mut output, &mut text)?;
    Ok(text
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;
    use crate::modules::parse_loaded;

    fn config(text: &str) -> Config {
        parse(Path::new("t"), text.as_bytes()).into_valid().unwrap()
    }

    #[test]
    fn loaded_consumers_whose_deps_change_and_their_users_reload() {
        let loaded = parse_loaded(
            "pl_a 1 1 pl_top, Live 0x0\npl_top 1 0 - Live 0x0\npl_c 1 0 - Live 0x0\n\
             interposer 1 1 pl_c, Live 0x0\npreload 1 0 - Live 0x0\n",
        );
        let live = config("pl_a: pl_b\npl_c: interposer\n");
        let new = config("pl_a: pl_b ?pl_x\npl_c: interposer\npl_idle: pl_b\n");
        let none = BTreeMap::new();
        let reload = loaded_modules(&live, &new, &loaded, &BTreeSet::new(), &none);
        assert_eq!(reload.order, ["pl_top", "pl_a"]);
        assert_eq!(
            reload.why["pl_a"],
            "its dependencies change (pl_b -> pl_b ?pl_x)"
        );
        assert_eq!(reload.why["pl_top"], "it uses pl_a");

        // A replaced interposer takes its consumers with it; preload never reloads.
        let replaced = ["interposer".to_owned(), "preload".to_owned()].into();
        let reload = loaded_modules(&live, &live, &loaded, &replaced, &none);
        assert_eq!(reload.order, ["pl_c", "interposer"]);
        let vetoes = reload_vetoes(&reload);
        assert_eq!(vetoes[1].subject, "interposer");
        assert!(
            vetoes[1].detail.contains("--reload-consumers"),
            "{vetoes:?}"
        );

        // A consumer moved to a new version by a live swap stays loaded;
        // without the swap, it would have to reload.
        let new = config("pl_a: pl_b\npl_c: interposer_v2\n");
        let swapped = [("interposer".to_owned(), "interposer_v2".to_owned())].into();
        let reload = loaded_modules(&live, &new, &loaded, &BTreeSet::new(), &swapped);
        assert!(reload.order.is_empty(), "{reload:?}");
        let reload = loaded_modules(&live, &new, &loaded, &BTreeSet::new(), &none);
        assert_eq!(reload.order, ["pl_c"]);
    }

    #[test]
    fn hooks_that_exit_non_zero_veto() {
        let dir = tempfile::tempdir().unwrap();
        let hook = |name: &str, body: &str, mode: u32| {
            let path = dir.path().join(name);
            fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        };
        hook("10-yes", "exit 0", 0o755);
        hook(
            "20-no",
            "echo \"busy: $1 $PRELOAD_BUNDLE\" >&2; exit 3",
            0o755,
        );
        hook("30-not-executable", "exit 1", 0o644);
        hook(".hidden", "exit 1", 0o755);
        let timeout = Duration::from_secs(60);
        let vetoes = run_hooks(dir.path(), Path::new("/staged"), "b1", timeout).unwrap();
        assert_eq!(vetoes.len(), 1, "{vetoes:?}");
        assert_eq!(vetoes[0].subject, "20-no");
        assert!(vetoes[0].detail.ends_with("busy: /staged b1"), "{vetoes:?}");
        assert!(
            run_hooks(&dir.path().join("none"), Path::new("/s"), "b", timeout)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_hook_past_its_timeout_is_killed_with_what_it_started_and_vetoes() {
        let dir = tempfile::tempdir().unwrap();
        let hooks = dir.path().join("veto.d");
        fs::create_dir(&hooks).unwrap();
        let pid_file = dir.path().join("sleeper.pid");
        let hook = hooks.join("50-hangs");
        // It starts a process that holds its output, and never finishes.
        fs::write(
            &hook,
            format!(
                "#!/bin/sh\nsleep 1000 &\necho $! > {}\nwait\n",
                pid_file.display()
            ),
        )
        .unwrap();
        fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(hooks.join("50-hangs.timeout"), "1\n").unwrap();
        let forever = Duration::from_secs(100_000);
        let vetoes = run_hooks(&hooks, Path::new("/s"), "b", forever).unwrap();
        assert_eq!(vetoes.len(), 1, "{vetoes:?}");
        assert_eq!(vetoes[0].subject, "50-hangs");
        assert!(
            vetoes[0]
                .detail
                .contains("did not finish within its timeout of 1 s and was killed"),
            "{vetoes:?}"
        );
        // The process it started is gone (or a zombie until reaped).
        let pid = fs::read_to_string(&pid_file).unwrap();
        let stat = Path::new("/proc").join(pid.trim()).join("stat");
        let gone = || fs::read_to_string(&stat).map_or(true, |s| s.contains(") Z "));
        for _ in 0..500 {
            if gone() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(gone(), "the hook's sleep {} still runs", pid.trim());

        // A timeout file that is not a number of seconds vetoes too.
        fs::write(hooks.join("50-hangs.timeout"), "soon\n").unwrap();
        let vetoes = run_hooks(&hooks, Path::new("/s"), "b", forever).unwrap();
        assert!(
            vetoes[0]
                .detail
                .ends_with("50-hangs.timeout: \"soon\" is not a whole number of seconds above 0"),
            "{vetoes:?}"
        );
    }
}
