//! `preloadctl migrate`: move an install's files from the paths preloadctl
//! used before to the ones it uses now, which are off the paths Debian's
//! readahead daemon (package `preload`) owns. Only preloadctl's own files
//! move: `/etc/preload.conf` only if it is a dependency list, and of
//! `/var/lib/preload/` only the entries preloadctl keeps there.
//!
//! Everything is checked before anything moves: a file that exists at its
//! new place too (or an old main list that is neither preloadctl's nor the
//! daemon's) means nothing moves. Nothing is ever overwritten, and a second
//! run finds nothing to do.

use crate::config;
use crate::context::Context;
use crate::error::{Error, Exit};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The old main dependency list; Debian's readahead daemon keeps its INI
/// configuration at the same path.
pub(crate) const OLD_CONFIG_FILE: &str = "/etc/preload.conf";
/// The old snippets directory.
const OLD_SNIPPETS_DIR: &str = "/etc/preload.d";
/// The old veto hooks' directory, and the directory holding it.
const OLD_VETO_DIR: &str = "/etc/preload/veto.d";
const OLD_VETO_PARENT: &str = "/etc/preload";
/// The old state directory, which Debian's readahead daemon shares
/// (`preload.state`).
const OLD_STATE_DIR: &str = "/var/lib/preload";
/// The file dpkg lists Debian's readahead daemon's files in, if installed.
const DAEMON_PACKAGE_LIST: &str = "/var/lib/dpkg/info/preload.list";

/// Every entry preloadctl keeps in its state directory: the last-known-good
/// list (and its temporary file), the staged change (and the one being
/// built), the last commit's record (and the one being built), the record
/// of the last rolled-back commit, the ABI records and report, and the
/// scratch directory a tarball bundle is unpacked in.
const STATE_ENTRIES: &[&str] = &[
    "last-good.conf",
    "last-good.tmp",
    "staged",
    "staged.new",
    "commit",
    "commit.new",
    "rolled-back",
    "abi",
    "unpacked",
];

/// What a migration does, found before anything is done.
#[derive(Default)]
pub(crate) struct Plan {
    /// Each file or directory to rename: from, to.
    pub(crate) moves: Vec<(PathBuf, PathBuf)>,
    /// Old directories to remove, once the moves leave them empty.
    empty_dirs: Vec<PathBuf>,
    /// Lines about what is left alone, printed first.
    notes: Vec<String>,
    /// Why nothing may move: a move whose target exists, an old main list
    /// that does not parse.
    problems: Vec<String>,
    /// The exit code of the refusal: `Invalid` if the old list does not
    /// parse, else `System`.
    refusal: Option<Exit>,
}

/// Moves the old files to the new places, or with `dry_run` says what it
/// would move.
pub fn run(ctx: &Context, dry_run: bool) -> Result<Exit, Error> {
    let plan = plan(ctx)?;
    for note in &plan.notes {
        println!("{note}");
    }
    if let Some(exit) = plan.refusal {
        let message = format!(
            "migrate refused, nothing was moved (problems: {}); resolve them and run \
             `preloadctl migrate` again",
            plan.problems.len()
        );
        return Err(Error::with_details(exit, message, plan.problems));
    }
    if plan.moves.is_empty() && plan.empty_dirs.is_empty() {
        println!("nothing to migrate");
        return Ok(Exit::Ok);
    }
    if dry_run {
        for (from, to) in &plan.moves {
            println!("would move {} -> {}", from.display(), to.display());
        }
        for dir in &plan.empty_dirs {
            println!("would remove {} (empty)", dir.display());
        }
        println!("dry run: nothing was changed");
        return Ok(Exit::Ok);
    }
    for (from, to) in &plan.moves {
        if let Some(dir) = to.parent() {
            fs::create_dir_all(dir).map_err(|e| stopped(Error::io("cannot create", dir, &e)))?;
        }
        // Checked above; checked again just before, so that nothing is
        // overwritten even if it appeared since.
        if present(to)? {
            return Err(stopped(Error::new(
                Exit::System,
                format!(
                    "cannot move {} to {}: it exists already",
                    from.display(),
                    to.display()
                ),
            )));
        }
        fs::rename(from, to).map_err(|e| {
            stopped(Error::io(
                &format!("cannot move it to {}", to.display()),
                from,
                &e,
            ))
        })?;
        println!("moved {} -> {}", from.display(), to.display());
    }
    for dir in &plan.empty_dirs {
        match fs::remove_dir(dir) {
            Ok(()) => println!("removed {} (empty)", dir.display()),
            // Something appeared in it since: it stays.
            Err(e) if e.kind() == io::ErrorKind::DirectoryNotEmpty => {}
            Err(e) => return Err(stopped(Error::io("cannot remove", dir, &e))),
        }
    }
    Ok(Exit::Ok)
}

/// Says that the moves printed so far were done and a rerun finishes.
fn stopped(e: Error) -> Error {
    let message = format!(
        "migrate stopped: {e}; what is printed above was moved, the rest was not: \
         run `preloadctl migrate` again once this is fixed"
    );
    Error::with_details(e.exit, message, e.details)
}

/// Finds every move and checks it (`doctor` reports the moves too).
pub(crate) fn plan(ctx: &Context) -> Result<Plan, Error> {
    let mut plan = Plan::default();

    // The main list: preloadctl's only if it parses as a dependency list.
    let old_main = ctx.under(OLD_CONFIG_FILE);
    let mut daemon_config = false;
    if present(&old_main)? {
        let text = fs::read(&old_main).map_err(|e| Error::io("cannot read", &old_main, &e))?;
        let errors = config::line_errors(&old_main, &text);
        if errors.is_empty() {
            plan.moves.push((old_main, ctx.config_file()));
        } else if looks_like_ini(&text) {
            daemon_config = true;
            plan.notes.push(format!(
                "{} belongs to Debian's readahead daemon (package preload), not to preloadctl: \
                 left alone",
                old_main.display()
            ));
        } else {
            plan.problems.extend(errors.iter().map(ToString::to_string));
            plan.problems.push(format!(
                "{} is neither a dependency list (the errors above) nor the INI configuration \
                 of Debian's readahead daemon: fix it (`preloadctl check {0}`) or move it \
                 to {} yourself",
                old_main.display(),
                ctx.config_file().display()
            ));
            plan.refusal = Some(Exit::Invalid);
        }
    }

    // The snippets: every *.conf, as the config reads them.
    let old_snippets = ctx.under(OLD_SNIPPETS_DIR);
    for (name, from) in list(&old_snippets)? {
        if from.extension().is_some_and(|ext| ext == "conf") {
            plan.moves.push((from, ctx.snippets_dir().join(name)));
        } else {
            plan.notes.push(format!(
                "{} is not a *.conf snippet: left alone",
                from.display()
            ));
        }
    }

    // The veto hooks, every one (renamed, they keep their modes).
    let old_veto = ctx.under(OLD_VETO_DIR);
    for (name, from) in list(&old_veto)? {
        plan.moves.push((from, ctx.veto_dir().join(name)));
    }

    // The state: preloadctl's entries only; the daemon's preload.state
    // and anything else stays.
    let old_state = ctx.under(OLD_STATE_DIR);
    for name in STATE_ENTRIES {
        let from = old_state.join(name);
        if present(&from)? {
            plan.moves.push((from, ctx.state_dir.join(name)));
        }
    }

    // An old path that is the new one already (a link) stays as it is.
    let mut moves = Vec::new();
    for (from, to) in std::mem::take(&mut plan.moves) {
        if same_file(&from, &to)? {
            plan.notes.push(format!(
                "{} is {} already: left alone",
                from.display(),
                to.display()
            ));
        } else {
            moves.push((from, to));
        }
    }
    plan.moves = moves;

    let mut conflicts = Vec::new();
    for (from, to) in &plan.moves {
        if present(to)? {
            conflicts.push(format!(
                "{} and {} both exist: move or remove one of them",
                from.display(),
                to.display()
            ));
        }
    }
    if !conflicts.is_empty() {
        plan.problems.extend(conflicts);
        plan.refusal.get_or_insert(Exit::System);
    }

    // The old directories the moves leave empty. The state directory is
    // the daemon's if the daemon is installed.
    let daemon = daemon_config || present(&ctx.under(DAEMON_PACKAGE_LIST))?;
    let mut dirs = vec![old_snippets, old_veto, ctx.under(OLD_VETO_PARENT)];
    if !daemon {
        dirs.push(old_state);
    }
    for dir in dirs {
        if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        let emptied = list(&dir)?.iter().all(|(_, path)| {
            plan.moves.iter().any(|(from, _)| from == path) || plan.empty_dirs.contains(path)
        });
        if emptied {
            plan.empty_dirs.push(dir);
        }
    }
    Ok(plan)
}

/// Whether `a` and `b` are the same file (following links); false if
/// either does not exist.
fn same_file(a: &Path, b: &Path) -> Result<bool, Error> {
    use std::os::unix::fs::MetadataExt;
    let id = |path: &Path| match fs::metadata(path) {
        Ok(m) => Ok(Some((m.dev(), m.ino()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("cannot stat", path, &e)),
    };
    Ok(match (id(a)?, id(b)?) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    })
}

/// Whether `path` exists (a dangling symbolic link does).
fn present(path: &Path) -> Result<bool, Error> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("cannot stat", path, &e)),
    }
}

/// The entries of `dir` (name, path) in lexical order; none if it does not
/// exist or is not a directory.
fn list(dir: &Path) -> Result<Vec<(std::ffi::OsString, PathBuf)>, Error> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(Vec::new())
        }
        Err(e) => return Err(Error::io("cannot list", dir, &e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("cannot list", dir, &e))?;
        found.push((entry.file_name(), entry.path()));
    }
    found.sort();
    Ok(found)
}

/// Whether `text` looks like an INI file such as the readahead daemon's
/// `/etc/preload.conf`: a line that starts with `[` (after blanks), or a
/// `key = value` line.
pub(crate) fn looks_like_ini(text: &[u8]) -> bool {
    text.split(|&b| b == b'\n').any(|line| {
        let line = line.trim_ascii();
        if line.starts_with(b"[") {
            return true;
        }
        match line.iter().position(|&b| b == b'=') {
            Some(at) => {
                let key = line[..at].trim_ascii();
                !key.is_empty()
                    && key
                        .iter()
                        .all(|&b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
            }
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readahead_daemons_config_looks_like_ini() {
        let daemon = b"# preload.conf\n\n[model]\n\n# cycle\ncycle = 20\nusecorrelation = true\n";
        assert!(looks_like_ini(daemon));
        assert!(looks_like_ini(b"  [system]\n"));
        assert!(looks_like_ini(b"mapprefix = /usr/;/lib;!/\n"));
        assert!(!looks_like_ini(b"# a = b\npl_a: pl_b\n"));
        assert!(!looks_like_ini(b"pl_a pl_b\nbad line\n"));
        assert!(!looks_like_ini(b"pl_a: pl_b = c\n"));
        assert!(!looks_like_ini(b""));
    }
}
