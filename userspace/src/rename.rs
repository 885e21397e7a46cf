//! Renaming a dependency in the config files, in place (`swap
//! --update-config`): every dependency token that names OLD (`OLD` or
//! `?OLD`, `-` and `_` the same) is made to name NEW. Only those bytes
//! change: comments, blank lines, spacing, consumer names and lines the
//! grammar refuses stay as they are. Each file is written atomically (a
//! temporary file in its directory, `fsync`, `rename`), keeping its mode.

use crate::config::{self, Loaded};
use crate::error::{Error, Exit};
use crate::modules::canonical;
use preload_deps::{parse_line, Line};
use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A config file that names OLD as a dependency.
#[derive(Debug, PartialEq, Eq)]
pub struct Naming {
    /// The file, as the sources name it.
    pub file: PathBuf,
    /// The lines (from 1) that name it.
    pub lines: Vec<usize>,
    /// The file's text with NEW in OLD's place.
    renamed: Vec<u8>,
}

/// Returns `text` with each dependency token naming `old` renamed to `new`
/// (`new` written as given; `?` kept), and the lines (from 1) changed.
pub fn rename_in_text(text: &[u8], old: &str, new: &str) -> (Vec<u8>, Vec<usize>) {
    let old = canonical(old);
    let mut out = Vec::with_capacity(text.len());
    let mut changed = Vec::new();
    for (index, line) in text.split(|&b| b == b'\n').enumerate() {
        if index > 0 {
            out.push(b'\n');
        }
        match rename_in_line(line, &old, new) {
            Some(renamed) => {
                out.extend_from_slice(&renamed);
                changed.push(index + 1);
            }
            None => out.extend_from_slice(line),
        }
    }
    (out, changed)
}

/// `line` with its dependencies named `old` (canonical) renamed to `new`,
/// or `None` if it names none (or is not a valid entry line).
fn rename_in_line(line: &[u8], old: &str, new: &str) -> Option<Vec<u8>> {
    if !matches!(parse_line(line), Ok(Line::Entry { .. })) {
        return None;
    }
    let blank = |b: u8| b == b' ' || b == b'\t';
    // The grammar has read the line: a consumer, blanks, `:`, the words.
    let colon = line.iter().position(|&b| b == b':')?;
    let (head, deps) = line.split_at(colon + 1);
    let body_end = deps.strip_suffix(b"\r").map_or(deps.len(), <[u8]>::len);
    let mut out = head.to_vec();
    let mut renamed = false;
    let mut at = 0;
    while at < body_end {
        let start = at;
        if blank(deps[at]) {
            while at < body_end && blank(deps[at]) {
                at += 1;
            }
            out.extend_from_slice(&deps[start..at]);
            continue;
        }
        while at < body_end && !blank(deps[at]) {
            at += 1;
        }
        let word = &deps[start..at];
        let (mark, name) = match word.strip_prefix(b"?") {
            Some(name) => (&b"?"[..], name),
            None => (&b""[..], word),
        };
        if canonical(&String::from_utf8_lossy(name)) == old {
            out.extend_from_slice(mark);
            out.extend_from_slice(new.as_bytes());
            renamed = true;
        } else {
            out.extend_from_slice(word);
        }
    }
    out.extend_from_slice(&deps[body_end..]);
    renamed.then_some(out)
}

/// Finds the files of `sources` that name `old` as a dependency.
pub fn find(sources: &[PathBuf], old: &str, new: &str) -> Result<Vec<Naming>, Error> {
    let mut found = Vec::new();
    for file in sources {
        let text = fs::read(file).map_err(|e| Error::io("cannot read", file, &e))?;
        let (renamed, lines) = rename_in_text(&text, old, new);
        if !lines.is_empty() {
            found.push(Naming {
                file: file.clone(),
                lines,
                renamed,
            });
        }
    }
    Ok(found)
}

/// Renames `old` to `new` in the files of `sources` that name it, and
/// returns those. Nothing is written if the renamed config would have an
/// error the config does not have now (a module depending on itself, a
/// cycle): then the error names each one.
pub fn update(sources: &[PathBuf], old: &str, new: &str) -> Result<Vec<Naming>, Error> {
    let found = check(sources, old, new)?;
    for naming in &found {
        write_in_place(&naming.file, &naming.renamed)?;
    }
    Ok(found)
}

/// What [`update`] would rename, writing nothing (`swap --dry-run
/// --update-config`): the files of `sources` that name `old`, or the
/// error `update` would refuse with.
pub fn check(sources: &[PathBuf], old: &str, new: &str) -> Result<Vec<Naming>, Error> {
    let found = find(sources, old, new)?;
    if found.is_empty() {
        return Ok(found);
    }
    let before = config::load(sources);
    let mut texts = Vec::new();
    for file in sources {
        let text = match found.iter().find(|n| n.file == *file) {
            Some(naming) => naming.renamed.clone(),
            None => fs::read(file).map_err(|e| Error::io("cannot read", file, &e))?,
        };
        texts.push((file.clone(), text));
    }
    let after = config::load_texts(&texts);
    let new_errors = new_errors(&before, &after);
    if !new_errors.is_empty() {
        return Err(Error::with_details(
            Exit::Invalid,
            format!(
                "naming {new} in place of {old} would make the config invalid \
                 (errors: {}); no file was changed",
                new_errors.len()
            ),
            new_errors,
        ));
    }
    Ok(found)
}

/// The errors of `after` that `before` does not have.
fn new_errors(before: &Loaded, after: &Loaded) -> Vec<String> {
    let had: BTreeSet<String> = before.errors.iter().map(ToString::to_string).collect();
    after
        .errors
        .iter()
        .map(ToString::to_string)
        .filter(|e| !had.contains(e))
        .collect()
}

/// Replaces the file at `path` (the file a symbolic link points to, if it
/// is one) with `text` atomically, keeping its mode and, where allowed,
/// its owner.
fn write_in_place(path: &Path, text: &[u8]) -> Result<(), Error> {
    let target = fs::canonicalize(path).map_err(|e| Error::io("cannot resolve", path, &e))?;
    let meta = fs::metadata(&target).map_err(|e| Error::io("cannot stat", &target, &e))?;
    let dir = target.parent().unwrap_or(Path::new("/"));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Hidden and not `*.conf`: never read as a snippet, even if left behind.
    let temp = dir.join(format!(".{name}.preloadctl-tmp"));
    let written = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(text)?;
        file.set_permissions(meta.permissions())?;
        // Keeping the owner needs privilege; a file of the caller's own is fine.
        let _ = std::os::unix::fs::chown(&temp, Some(meta.uid()), Some(meta.gid()));
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(Error::io("cannot write", &temp, &e));
    }
    fs::rename(&temp, &target).map_err(|e| {
        let _ = fs::remove_file(&temp);
        Error::io("cannot rename into place", &target, &e)
    })?;
    // The rename is durable once the directory is.
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renamed(text: &str) -> (String, Vec<usize>) {
        let (out, lines) = rename_in_text(text.as_bytes(), "interposer", "interposer_v2");
        (String::from_utf8(out).unwrap(), lines)
    }

    #[test]
    fn only_dependency_tokens_naming_old_change() {
        let text = "# interposer: the sample\n\
                    \n\
                    pl_a: interposer\n\
                    pl_b:\t?interposer   pl_c\t# not a comment: a bad word\n\
                    pl_c :  pl_d  ?Interposer interposer-x  interposer \r\n\
                    interposer: sample_lib\n\
                    pl_d: pl_interposer ?interposerx\n\
                    bad line interposer\n\
                    pl_e: interposer";
        let (out, lines) = renamed(text);
        assert_eq!(
            out,
            "# interposer: the sample\n\
             \n\
             pl_a: interposer_v2\n\
             pl_b:\t?interposer   pl_c\t# not a comment: a bad word\n\
             pl_c :  pl_d  ?Interposer interposer-x  interposer_v2 \r\n\
             interposer: sample_lib\n\
             pl_d: pl_interposer ?interposerx\n\
             bad line interposer\n\
             pl_e: interposer_v2"
        );
        assert_eq!(lines, [3, 5, 9]);
    }

    #[test]
    fn optional_marks_and_spellings_are_kept_apart() {
        let (out, lines) = rename_in_text(b"a: ?old-one b old_one\n", "old_one", "new_one");
        assert_eq!(out, b"a: ?new_one b new_one\n");
        assert_eq!(lines, [1]);
        let (out, lines) = rename_in_text(b"a: b\n", "old", "new");
        assert_eq!((out.as_slice(), lines.len()), (&b"a: b\n"[..], 0));
    }
}
