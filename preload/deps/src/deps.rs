// SPDX-License-Identifier: GPL-2.0

//! The preload dependency list: its text format, parser and in-memory logic.
//!
//! The list says which modules must be loaded before a module. Its text has one
//! entry per line:
//!
//! ```text
//! # Comment lines and blank lines are ignored.
//! consumer: dep1 dep2 ?optional_dep
//! ```
//!
//! Module names are 1 to [`NAME_MAX`] bytes of `[A-Za-z0-9_-]`, where `-` and
//! `_` are the same ([`Name`] keeps the canonical form with `_`). Spaces and
//! tabs separate the words, a trailing `\r` is tolerated, and a `#` starts a
//! comment only as the first word of a line.
//!
//! This file is shared as source: the kernel module includes it with
//! `#[path]`, and the `preload-deps` crate wraps it for host tools. It
//! therefore uses only `core`, never allocates, never panics on any input and
//! never recurses.

#![forbid(unsafe_code)]
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable
)]

use core::cmp::Ordering;
use core::fmt;

/// The longest module name, in bytes.
pub const NAME_MAX: usize = 55;

/// The longest line, in bytes, not counting its newline.
pub const LINE_MAX: usize = 4096;

/// The most dependencies a single line may list.
pub const DEPS_PER_LINE_MAX: usize = 64;

/// The most edges (consumer-dependency pairs, after merging) a list may hold.
pub const ENTRIES_MAX: usize = 1_000_000;

/// Why a line, a list or a request was rejected.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Error {
    /// A line is longer than [`LINE_MAX`] bytes.
    LineTooLong,
    /// A consumer name is not followed by `:`.
    MissingColon,
    /// A module name contains this byte, which is not in `[A-Za-z0-9_-]`.
    BadChar(u8),
    /// A module name is longer than [`NAME_MAX`] bytes.
    NameTooLong,
    /// A module name is empty, as in `: dep`.
    EmptyName,
    /// A `?` is not followed by a module name.
    EmptyOptional,
    /// A line lists more than [`DEPS_PER_LINE_MAX`] dependencies.
    TooManyDeps,
    /// This module is listed as its own dependency.
    SelfDependency(Name),
    /// A list would hold more than [`ENTRIES_MAX`] edges.
    TooManyEntries,
    /// The scratch buffer given to [`List::find_cycle`] is shorter than the list.
    ScratchTooSmall,
    /// A line starts with `[`, as an INI file's section header does: most
    /// likely the configuration of Debian's readahead daemon, also named
    /// preload, whose `/etc/preload.conf` is an INI file.
    IniSection,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::LineTooLong => write!(f, "line longer than {LINE_MAX} bytes"),
            Error::MissingColon => f.write_str("missing ':' after the consumer name"),
            Error::BadChar(b) => write!(f, "bad character {b:#04x} in a module name"),
            Error::NameTooLong => write!(f, "module name longer than {NAME_MAX} bytes"),
            Error::EmptyName => f.write_str("empty module name"),
            Error::EmptyOptional => f.write_str("'?' without a module name"),
            Error::TooManyDeps => {
                write!(f, "more than {DEPS_PER_LINE_MAX} dependencies on one line")
            }
            Error::SelfDependency(name) => write!(f, "{name} depends on itself"),
            Error::TooManyEntries => write!(f, "too many entries (limit {ENTRIES_MAX})"),
            Error::ScratchTooSmall => f.write_str("scratch buffer shorter than the list"),
            Error::IniSection => f.write_str(
                "an INI section header, not a dependency line: this looks like the \
                 configuration of Debian's readahead daemon (package preload)",
            ),
        }
    }
}

impl core::error::Error for Error {}

/// A valid module name in canonical form (`-` replaced by `_`), stored inline.
///
/// Names compare bytewise, a name sorting before every longer name it is a
/// prefix of, just as their [`Name::as_bytes`] do.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Name {
    len: u8,
    // The bytes past `len` are always zero, so the derived `Eq` and `Hash`
    // agree with comparing `as_bytes()`.
    bytes: [u8; NAME_MAX],
}

impl Name {
    /// Validates a raw module name and returns its canonical form.
    pub fn new(raw: &[u8]) -> Result<Name, Error> {
        if let Some(&bad) = raw.iter().find(|&&b| !is_name_byte(b)) {
            return Err(Error::BadChar(bad));
        }
        if raw.is_empty() {
            return Err(Error::EmptyName);
        }
        if raw.len() > NAME_MAX {
            return Err(Error::NameTooLong);
        }
        let mut bytes = [0; NAME_MAX];
        for (dst, &src) in bytes.iter_mut().zip(raw) {
            *dst = if src == b'-' { b'_' } else { src };
        }
        let len = u8::try_from(raw.len()).map_err(|_| Error::NameTooLong)?;
        Ok(Name { len, bytes })
    }

    /// Returns the canonical name.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// Returns the canonical name as a string (it is always ASCII).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Self) -> Ordering {
        // Valid name bytes are never zero, so comparing the zero-padded
        // arrays gives the same order as comparing `as_bytes()`.
        self.bytes.cmp(&other.bytes)
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// One dependency as written on a line.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Dep {
    /// The module to load first.
    pub name: Name,
    /// Whether it was written as `?name`: a missing optional dependency is no error.
    pub optional: bool,
}

/// One parsed line.
#[derive(Clone, Debug)]
pub enum Line<'a> {
    /// A blank or comment line.
    Empty,
    /// A `consumer: deps` line.
    Entry {
        /// The module that needs the dependencies.
        consumer: Name,
        /// Its dependencies in written order, possibly none.
        deps: Deps<'a>,
    },
}

impl Line<'_> {
    /// Calls `push` with one edge per dependency of this line, numbering them
    /// with consecutive `seq` values taken from `next_seq`.
    ///
    /// Fails with [`Error::TooManyEntries`] if the numbers run out, or with the
    /// first error `push` returns.
    pub fn for_each_edge<E: From<Error>>(
        self,
        next_seq: &mut u32,
        mut push: impl FnMut(Edge) -> Result<(), E>,
    ) -> Result<(), E> {
        if let Line::Entry { consumer, deps } = self {
            for dep in deps {
                let seq = *next_seq;
                *next_seq = seq.checked_add(1).ok_or(Error::TooManyEntries)?;
                push(Edge {
                    consumer,
                    dep: dep.name,
                    optional: dep.optional,
                    seq,
                })?;
            }
        }
        Ok(())
    }
}

/// An iterator over the dependencies of a line that [`parse_line`] validated.
#[derive(Clone)]
pub struct Deps<'a> {
    // The text after the colon.
    rest: &'a [u8],
}

impl Iterator for Deps<'_> {
    type Item = Dep;

    fn next(&mut self) -> Option<Dep> {
        // Every word was validated by `parse_line`, so nothing is skipped here.
        loop {
            if let Ok(dep) = parse_dep(next_word(&mut self.rest)?) {
                return Some(dep);
            }
        }
    }
}

impl fmt::Debug for Deps<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// Parses one line, given without its newline.
///
/// The whole line is validated here (every name, the number of dependencies
/// and self-dependencies), so the returned [`Deps`] cannot fail.
pub fn parse_line(line: &[u8]) -> Result<Line<'_>, Error> {
    parse(line, false)
}

/// Checks the start of a line whose end has not arrived yet: fails, with the
/// error the line will have, only if nothing that may follow can make it a
/// valid line. `a` (waiting for its `:`), `a: ?` and `a: a` (the last name may
/// grow) pass; `a?`, `a: b?`, a name past [`NAME_MAX`] bytes or `a: a ` fail.
pub fn check_line_start(start: &[u8]) -> Result<(), Error> {
    // After a final `\r`, only the newline can make a valid line.
    let unfinished = start.last() != Some(&b'\r');
    parse(start, unfinished).map(|_| ())
}

/// Parses a line; if it is `unfinished`, what more bytes could still fix
/// (a missing `:`, a last name that is empty or the consumer's) is no error.
fn parse(line: &[u8], unfinished: bool) -> Result<Line<'_>, Error> {
    if line.len() > LINE_MAX {
        return Err(Error::LineTooLong);
    }
    let can_grow = unfinished && line.len() < LINE_MAX;
    // Whether the last word may still grow: nothing ended it yet.
    let open_end = can_grow && line.last().is_some_and(|&b| !is_blank(b));
    let line = trim(line.strip_suffix(b"\r").unwrap_or(line));
    if matches!(line.first(), None | Some(b'#')) {
        return Ok(Line::Empty);
    }
    if line.first() == Some(&b'[') {
        return Err(Error::IniSection);
    }
    let name_end = line
        .iter()
        .position(|&b| b == b':' || is_blank(b))
        .unwrap_or(line.len());
    let (raw_consumer, rest) = line.split_at(name_end);
    let consumer = Name::new(raw_consumer)?;
    let Some(deps) = trim_start(rest).strip_prefix(b":") else {
        // A start like `a` or `a ` waits for its `:` (and has no entry yet).
        if can_grow && rest.iter().all(|&b| is_blank(b)) {
            return Ok(Line::Empty);
        }
        return Err(Error::MissingColon);
    };

    let mut words = deps;
    let mut count = 0;
    while let Some(word) = next_word(&mut words) {
        let open = open_end && words.is_empty();
        match parse_dep(word) {
            // `a: a` may still become `a: ab`.
            Ok(dep) if dep.name == consumer => {
                if !(open && dep.name.as_bytes().len() < NAME_MAX) {
                    return Err(Error::SelfDependency(consumer));
                }
            }
            Err(Error::EmptyOptional) if open => {}
            result => {
                result?;
            }
        }
        count += 1;
        if count > DEPS_PER_LINE_MAX {
            return Err(Error::TooManyDeps);
        }
    }
    Ok(Line::Entry {
        consumer,
        deps: Deps { rest: deps },
    })
}

/// Parses a whole text, calling `push` for each edge in written order and
/// numbering the edges from `next_seq` (see [`Line::for_each_edge`]).
///
/// Stops at the first bad line and returns its number (from 1) and the error.
pub fn parse_text<E: From<Error>>(
    text: &[u8],
    next_seq: &mut u32,
    mut push: impl FnMut(Edge) -> Result<(), E>,
) -> Result<(), (usize, E)> {
    for (index, line) in text.split(|&b| b == b'\n').enumerate() {
        let line_no = index + 1;
        parse_line(line)
            .map_err(|e| (line_no, E::from(e)))?
            .for_each_edge(next_seq, &mut push)
            .map_err(|e| (line_no, e))?;
    }
    Ok(())
}

const fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

const fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_start(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_blank(b)).unwrap_or(s.len());
    s.get(start..).unwrap_or_default()
}

fn trim(s: &[u8]) -> &[u8] {
    let s = trim_start(s);
    let end = s.iter().rposition(|&b| !is_blank(b)).map_or(0, |i| i + 1);
    s.get(..end).unwrap_or_default()
}

/// Takes the next blank-separated word off the front of `rest`.
fn next_word<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let s = trim_start(rest);
    let end = s.iter().position(|&b| is_blank(b)).unwrap_or(s.len());
    let (word, tail) = s.split_at(end);
    *rest = tail;
    if word.is_empty() {
        None
    } else {
        Some(word)
    }
}

fn parse_dep(word: &[u8]) -> Result<Dep, Error> {
    match word.strip_prefix(b"?") {
        Some(b"") => Err(Error::EmptyOptional),
        Some(name) => Ok(Dep {
            name: Name::new(name)?,
            optional: true,
        }),
        None => Ok(Dep {
            name: Name::new(word)?,
            optional: false,
        }),
    }
}

/// Splits a byte stream that arrives in arbitrary chunks into lines.
///
/// A line that spans chunks is carried in a buffer of [`LINE_MAX`] bytes,
/// owned by the splitter but chosen by the caller: an array by default, a heap
/// buffer in the kernel, whose stacks are small. Lines are numbered from 1.
///
/// After an error the rest of that chunk is dropped, and the rest of a line
/// reported as too long is skipped; later input goes on from there.
pub struct LineSplitter<B = [u8; LINE_MAX]> {
    buf: B,
    len: usize,
    // The number of lines completed so far.
    line_no: usize,
    // The current line was already reported as too long and is being skipped.
    overflow: bool,
}

impl LineSplitter {
    /// Returns a splitter at the start of its input, with an array buffer.
    pub const fn new() -> Self {
        LineSplitter::with_buffer([0; LINE_MAX])
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> LineSplitter<B> {
    /// Returns a splitter that carries partial lines in `buf`, which should
    /// hold [`LINE_MAX`] bytes: lines longer than it are refused as too long.
    pub const fn with_buffer(buf: B) -> Self {
        LineSplitter {
            buf,
            len: 0,
            line_no: 0,
            overflow: false,
        }
    }

    /// Calls `f(line_no, line)` for each line that ends in `chunk`, without its
    /// newline, after joining it with the partial line carried from earlier
    /// chunks.
    ///
    /// Stops at the first error `f` returns and returns it with the line's
    /// number. A line longer than [`LINE_MAX`] fails with
    /// [`Error::LineTooLong`] as soon as that is known, before its newline.
    pub fn feed<E>(
        &mut self,
        chunk: &[u8],
        mut f: impl FnMut(usize, &[u8]) -> Result<(), E>,
    ) -> Result<(), (usize, E)>
    where
        E: From<Error>,
    {
        let mut rest = chunk;
        while !rest.is_empty() {
            let line_no = self.line_no.saturating_add(1);
            let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                // The line goes on in a later chunk: keep its start.
                if !self.overflow {
                    if let Err(e) = self.append(rest) {
                        self.overflow = true;
                        return Err((line_no, E::from(e)));
                    }
                }
                return Ok(());
            };
            let (part, tail) = rest.split_at(end);
            rest = tail.get(1..).unwrap_or_default();
            self.line_no = line_no;
            if core::mem::take(&mut self.overflow) {
                continue;
            }
            let result = if self.len == 0 {
                // The common case: the whole line is in this chunk.
                if part.len() > LINE_MAX {
                    Err(E::from(Error::LineTooLong))
                } else {
                    f(line_no, part)
                }
            } else {
                match self.append(part) {
                    Ok(()) => {
                        let len = core::mem::take(&mut self.len);
                        f(line_no, self.buf.as_ref().get(..len).unwrap_or_default())
                    }
                    Err(e) => Err(E::from(e)),
                }
            };
            result.map_err(|e| (line_no, e))?;
        }
        Ok(())
    }

    /// The line that has started in the input so far but not ended, with its
    /// number; `None` if there is none or it was already refused as too long.
    pub fn unfinished(&self) -> Option<(usize, &[u8])> {
        if self.len == 0 || self.overflow {
            return None;
        }
        let start = self.buf.as_ref().get(..self.len).unwrap_or_default();
        Some((self.line_no.saturating_add(1), start))
    }

    /// Delivers the last line if the input did not end with a newline, and
    /// makes the splitter ready for a new input.
    pub fn finish<E>(
        &mut self,
        f: impl FnOnce(usize, &[u8]) -> Result<(), E>,
    ) -> Result<(), (usize, E)>
    where
        E: From<Error>,
    {
        let line_no = self.line_no.saturating_add(1);
        let len = core::mem::take(&mut self.len);
        let overflow = core::mem::take(&mut self.overflow);
        self.line_no = 0;
        if len == 0 || overflow {
            return Ok(());
        }
        f(line_no, self.buf.as_ref().get(..len).unwrap_or_default()).map_err(|e| (line_no, e))
    }

    /// Appends to the carried line, or empties it if the line gets too long.
    fn append(&mut self, bytes: &[u8]) -> Result<(), Error> {
        // Sliced as `[len..][..n]`, the destination is provably `n` bytes
        // long: no length-mismatch panic path is compiled in (newer rustc's
        // panic function is one the kernel's objtool does not know).
        let rest = self.buf.as_mut().get_mut(self.len..);
        match rest.and_then(|rest| rest.get_mut(..bytes.len())) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len += bytes.len();
                Ok(())
            }
            None => {
                self.len = 0;
                Err(Error::LineTooLong)
            }
        }
    }
}

impl Default for LineSplitter {
    fn default() -> Self {
        Self::new()
    }
}

/// One consumer-dependency pair of a list.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Edge {
    /// The module that needs `dep`.
    pub consumer: Name,
    /// The module to load first.
    pub dep: Name,
    /// Whether `dep` may be missing.
    pub optional: bool,
    /// When the pair was first written; it keeps a consumer's deps in written order.
    pub seq: u32,
}

/// Merges edges in place and returns how many remain (the caller truncates).
///
/// The remaining edges are sorted by consumer, then by `seq`. Of the edges
/// with the same consumer and dependency only the first written one stays,
/// and it is optional only if all of them were.
pub fn merge(edges: &mut [Edge]) -> usize {
    edges.sort_unstable_by(|a, b| (&a.consumer, &a.dep, a.seq).cmp(&(&b.consumer, &b.dep, b.seq)));
    // Sorted so, each run of equal pairs starts with its first written edge.
    // Keep that one, compacting the kept edges at the front.
    let mut len: usize = 0;
    for read in 0..edges.len() {
        let Some(&edge) = edges.get(read) else {
            break;
        };
        if let Some(last) = len.checked_sub(1).and_then(|i| edges.get_mut(i)) {
            if last.consumer == edge.consumer && last.dep == edge.dep {
                last.optional &= edge.optional;
                continue;
            }
        }
        if let Some(slot) = edges.get_mut(len) {
            *slot = edge;
        }
        len += 1;
    }
    // Restore the written order within each consumer.
    if let Some(kept) = edges.get_mut(..len) {
        kept.sort_unstable_by(|a, b| {
            (&a.consumer, a.seq, &a.dep).cmp(&(&b.consumer, b.seq, &b.dep))
        });
    }
    len
}

/// Merges `batch`, edges written after all of `merged[..base_len]`, into
/// that merged list, and returns the new length of `merged` (the caller
/// truncates). `merged` must have room for the whole batch after `base_len`;
/// what it holds there does not matter.
///
/// The result is what [`merge`] of all the edges gives, without sorting the
/// list again: the batch is merged on its own, a pair the list has already
/// only updates its `optional`, and the new pairs, which `batch` is left
/// holding at its front, are merged in from the back, a binary search and a
/// block move each. The edges that sort after the first new one move once.
pub fn merge_into(merged: &mut [Edge], base_len: usize, batch: &mut [Edge]) -> usize {
    let batch_len = merge(batch);
    let base_len = base_len.min(merged.len());
    let mut new = 0;
    for read in 0..batch_len {
        let Some(&edge) = batch.get(read) else {
            break;
        };
        let base = merged.get_mut(..base_len).unwrap_or_default();
        let start = base.partition_point(|e| e.consumer < edge.consumer);
        let known = base
            .get_mut(start..)
            .unwrap_or_default()
            .iter_mut()
            .take_while(|e| e.consumer == edge.consumer)
            .find(|e| e.dep == edge.dep);
        match known {
            Some(known) => known.optional &= edge.optional,
            None => {
                if let Some(slot) = batch.get_mut(new) {
                    *slot = edge;
                }
                new += 1;
            }
        }
    }
    // From the back: within a consumer, the new pairs come after the old.
    // The old edges that sort after the next new one move up in one block.
    let len = (base_len + new).min(merged.len());
    let (mut old, mut add) = (base_len, len - base_len);
    while let Some(next) = add.checked_sub(1).and_then(|i| batch.get(i)).copied() {
        let before = merged.get(..old).unwrap_or_default();
        let at = before.partition_point(|e| e.consumer <= next.consumer);
        if let Some(window) = merged.get_mut(at..old + add) {
            window.copy_within(..old - at, add);
        }
        old = at;
        add -= 1;
        if let Some(slot) = merged.get_mut(old + add) {
            *slot = next;
        }
    }
    len
}

// Marks in the scratch buffer of `find_cycle`, which otherwise holds for each
// module on the DFS path the index of the edge it was reached by, plus one.
const DONE: u32 = u32::MAX;
const ROOT: u32 = u32::MAX - 1;

/// What marks a node not visited yet and one whose search is over: a search
/// goes from 0 to `DONE`, and a second one over the same nodes back to 0.
#[derive(Clone, Copy)]
struct Marks {
    fresh: u32,
    done: u32,
}

const SEARCH: Marks = Marks {
    fresh: 0,
    done: DONE,
};
const UNMARK: Marks = Marks {
    fresh: DONE,
    done: 0,
};

/// A read-only view of a merged edge list, sorted as [`merge`] leaves it.
///
/// A module is a node of the dependency graph if it is a consumer; it is
/// identified by the index of its first edge.
#[derive(Clone, Copy, Debug)]
pub struct List<'a> {
    edges: &'a [Edge],
}

impl<'a> List<'a> {
    /// Wraps edges that [`merge`] sorted.
    pub const fn new(merged: &'a [Edge]) -> Self {
        List { edges: merged }
    }

    /// Returns all edges.
    pub const fn edges(&self) -> &'a [Edge] {
        self.edges
    }

    /// Returns the edges of `consumer` in written order, or none.
    pub fn deps_of(&self, consumer: &Name) -> &'a [Edge] {
        let start = self.edges.partition_point(|e| e.consumer < *consumer);
        let tail = self.edges.get(start..).unwrap_or_default();
        let len = tail.partition_point(|e| e.consumer == *consumer);
        tail.get(..len).unwrap_or_default()
    }

    /// Iterates over the consumers in sorted order, each with its edges.
    pub const fn consumers(&self) -> Consumers<'a> {
        Consumers { rest: self.edges }
    }

    /// Finds a module that reaches itself through dependencies, optional ones
    /// included, and returns that cycle.
    ///
    /// `scratch` must be at least as long as the list, or this fails with
    /// [`Error::ScratchTooSmall`]; its contents do not matter and are
    /// overwritten, and the returned cycle borrows it. The search is an
    /// iterative depth-first search in O((V + E) log E) time.
    pub fn find_cycle<'s>(&self, scratch: &'s mut [u32]) -> Result<Option<Cycle<'s>>, Error>
    where
        'a: 's,
    {
        let slots = scratch
            .get_mut(..self.edges.len())
            .ok_or(Error::ScratchTooSmall)?;
        slots.fill(0);
        self.find_cycle_from(self.consumers().map(|(consumer, _)| consumer), slots)
    }

    /// Like [`List::find_cycle`], but searches only from the consumers in
    /// `roots`: when only their edges are new in a list that had no cycle,
    /// any cycle goes through one of them. It visits only what they reach.
    ///
    /// `scratch` must hold zeros where the search may go (a new buffer of
    /// zeros, or one this function returned no cycle from): it is left so,
    /// unless a cycle is found, which is then described there.
    pub fn find_cycle_from<'s>(
        &self,
        roots: impl Iterator<Item = Name> + Clone,
        scratch: &'s mut [u32],
    ) -> Result<Option<Cycle<'s>>, Error>
    where
        'a: 's,
    {
        let edges = self.edges;
        // Edge indexes plus one must stay below the marks.
        if edges.len() >= ROOT as usize {
            return Err(Error::TooManyEntries);
        }
        let slots = scratch
            .get_mut(..edges.len())
            .ok_or(Error::ScratchTooSmall)?;
        for root in roots.clone().filter_map(|name| find_node(edges, &name)) {
            if slot(slots, root) == SEARCH.fresh {
                if let Some((start, len)) = search_from(edges, slots, root, SEARCH) {
                    return Ok(Some(Cycle(CycleEdges {
                        edges,
                        next: slots,
                        node: start,
                        left: len,
                    })));
                }
            }
        }
        // No cycle: every node visited is done. Visit them again to unmark them.
        for root in roots.filter_map(|name| find_node(edges, &name)) {
            if slot(slots, root) == UNMARK.fresh {
                search_from(edges, slots, root, UNMARK);
            }
        }
        Ok(None)
    }
}

/// The iterator returned by [`List::consumers`].
#[derive(Clone, Debug)]
pub struct Consumers<'a> {
    rest: &'a [Edge],
}

impl<'a> Iterator for Consumers<'a> {
    type Item = (Name, &'a [Edge]);

    fn next(&mut self) -> Option<Self::Item> {
        let consumer = self.rest.first()?.consumer;
        let len = self
            .rest
            .iter()
            .position(|e| e.consumer != consumer)
            .unwrap_or(self.rest.len());
        let (deps, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some((consumer, deps))
    }
}

fn slot(slots: &[u32], i: usize) -> u32 {
    slots.get(i).copied().unwrap_or(DONE)
}

fn set_slot(slots: &mut [u32], i: usize, value: u32) {
    if let Some(s) = slots.get_mut(i) {
        *s = value;
    }
}

/// Returns the index of the first edge of `name`, if it is a consumer.
fn find_node(edges: &[Edge], name: &Name) -> Option<usize> {
    let i = edges.partition_point(|e| e.consumer < *name);
    edges.get(i).filter(|e| e.consumer == *name).map(|_| i)
}

/// Runs the depth-first search from the unvisited node `root`, and returns
/// the start node and length of the first cycle found.
fn search_from(
    edges: &[Edge],
    slots: &mut [u32],
    root: usize,
    marks: Marks,
) -> Option<(usize, usize)> {
    set_slot(slots, root, ROOT);
    // The node on top of the DFS path, and the index of its next edge.
    let mut node = root;
    let mut cursor = root;
    loop {
        let name = edges.get(node)?.consumer;
        match edges.get(cursor).filter(|e| e.consumer == name) {
            Some(edge) => match find_node(edges, &edge.dep) {
                Some(next) if slot(slots, next) == marks.fresh => {
                    // This never saturates: `find_cycle` checked the length.
                    set_slot(slots, next, u32::try_from(cursor + 1).unwrap_or(DONE));
                    node = next;
                    cursor = next;
                }
                Some(next) if slot(slots, next) != marks.done => {
                    return Some(close_cycle(edges, slots, node, cursor, next));
                }
                _ => cursor += 1,
            },
            None => {
                // All edges of `node` are done: go back to the node before it.
                let entry = slot(slots, node);
                set_slot(slots, node, marks.done);
                if entry == 0 || entry >= ROOT {
                    return None;
                }
                let edge = (entry - 1) as usize;
                cursor = edge + 1;
                node = find_node(edges, &edges.get(edge)?.consumer)?;
            }
        }
    }
}

/// Turns the DFS path from `target` to `node`, closed by edge `closing`, into
/// a chain where the slot of each node on the cycle holds the index of the
/// edge leaving it along the cycle. Returns `target` and the cycle's length.
fn close_cycle(
    edges: &[Edge],
    slots: &mut [u32],
    mut node: usize,
    closing: usize,
    target: usize,
) -> (usize, usize) {
    let mut out = closing;
    let mut len = 0;
    loop {
        let entry = slot(slots, node);
        set_slot(slots, node, u32::try_from(out).unwrap_or(DONE));
        len += 1;
        if node == target || entry == 0 || entry >= ROOT {
            return (target, len);
        }
        out = (entry - 1) as usize;
        match edges.get(out).and_then(|e| find_node(edges, &e.consumer)) {
            Some(parent) => node = parent,
            None => return (target, len),
        }
    }
}

/// A dependency cycle found by [`List::find_cycle`].
///
/// It displays as `a -> b -> c -> a`; a cycle of more than 8 modules is
/// shortened to its first 6 modules, `...` and its last module.
#[derive(Clone)]
pub struct Cycle<'a>(CycleEdges<'a>);

impl<'a> Cycle<'a> {
    /// Returns the number of modules on the cycle (1 if a module depends on itself).
    pub const fn len(&self) -> usize {
        self.0.left
    }

    /// Returns whether the cycle has no modules, which never happens.
    pub const fn is_empty(&self) -> bool {
        self.0.left == 0
    }

    /// Iterates over the edges of the cycle in order; each edge's `dep` is the
    /// next edge's `consumer`, and the last edge leads back to the first.
    pub fn edges(&self) -> CycleEdges<'a> {
        self.0.clone()
    }
}

impl fmt::Display for Cycle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 8;
        const HEAD: usize = 6;
        let mut first = None;
        for (i, edge) in self.edges().enumerate() {
            first = first.or(Some(edge.consumer));
            if self.len() <= SHOWN || i < HEAD || i + 1 == self.len() {
                write!(f, "{} -> ", edge.consumer)?;
            } else if i == HEAD {
                f.write_str("... -> ")?;
            }
        }
        match first {
            Some(name) => write!(f, "{name}"),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for Cycle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cycle({self})")
    }
}

/// The iterator returned by [`Cycle::edges`].
#[derive(Clone, Debug)]
pub struct CycleEdges<'a> {
    edges: &'a [Edge],
    next: &'a [u32],
    node: usize,
    left: usize,
}

impl<'a> Iterator for CycleEdges<'a> {
    type Item = &'a Edge;

    fn next(&mut self) -> Option<&'a Edge> {
        self.left = self.left.checked_sub(1)?;
        let index = self.next.get(self.node).copied().unwrap_or(DONE);
        let Some(edge) = self.edges.get(index as usize) else {
            self.left = 0;
            return None;
        };
        match find_node(self.edges, &edge.dep) {
            Some(node) => self.node = node,
            None => self.left = 0,
        }
        Some(edge)
    }
}

/// Writes one consumer's line of the canonical text, `consumer: dep ?dep\n`,
/// or nothing if it has no dependencies.
pub fn write_entry<W: fmt::Write + ?Sized>(
    consumer: &Name,
    deps: &[Edge],
    out: &mut W,
) -> fmt::Result {
    if deps.is_empty() {
        return Ok(());
    }
    out.write_str(consumer.as_str())?;
    out.write_char(':')?;
    for edge in deps {
        out.write_str(if edge.optional { " ?" } else { " " })?;
        out.write_str(edge.dep.as_str())?;
    }
    out.write_char('\n')
}

/// Writes the canonical text of a list: one line per consumer in sorted order,
/// with its dependencies in written order.
pub fn write_canonical<W: fmt::Write + ?Sized>(list: &List<'_>, out: &mut W) -> fmt::Result {
    list.consumers()
        .try_for_each(|(consumer, deps)| write_entry(&consumer, deps, out))
}
