// SPDX-License-Identifier: GPL-2.0

//! The dependency list in kernel memory: a [`Table`] is one immutable,
//! checked version of it; a [`Builder`] turns text into a new table.

use crate::deps::{self, Cycle, Edge, LineSplitter, List, Name, ENTRIES_MAX, LINE_MAX};
use core::fmt;
use kernel::alloc::AllocError;
use kernel::prelude::*;

/// One version of the dependency list: merged edges, cycle-free.
pub(crate) struct Table {
    edges: KVVec<Edge>,
}

impl Table {
    /// The empty list.
    pub(crate) fn empty() -> Self {
        Table {
            edges: KVVec::new(),
        }
    }

    /// A read-only view for lookups and printing.
    pub(crate) fn list(&self) -> List<'_> {
        List::new(&self.edges)
    }

    /// The number of entries (consumer-dependency pairs).
    pub(crate) fn len(&self) -> usize {
        self.edges.len()
    }

    /// The dependencies of `consumer`, in written order.
    pub(crate) fn deps_of(&self, consumer: &Name) -> &[Edge] {
        self.list().deps_of(consumer)
    }
}

/// Why text was refused.
pub(crate) enum BuildError {
    /// A line did not parse.
    Line(usize, deps::Error),
    /// The lines parsed but form a cycle (printed as the chain).
    Cycle(KVec<u8>),
    /// More than [`ENTRIES_MAX`] entries.
    TooMany,
    /// Out of memory.
    NoMemory,
}

impl kernel::fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Line(line, e) => write!(f, "line {line}: {e}"),
            BuildError::Cycle(chain) => {
                let chain = core::str::from_utf8(chain).unwrap_or("?");
                write!(f, "dependency cycle: {chain}")
            }
            BuildError::TooMany => write!(f, "more than {ENTRIES_MAX} entries"),
            BuildError::NoMemory => write!(f, "out of memory"),
        }
    }
}

impl From<BuildError> for Error {
    fn from(e: BuildError) -> Error {
        match e {
            BuildError::NoMemory => ENOMEM,
            _ => EINVAL,
        }
    }
}

impl From<AllocError> for BuildError {
    fn from(_: AllocError) -> BuildError {
        BuildError::NoMemory
    }
}

/// Collects text fed in arbitrary pieces and checks it, piece by piece, so
/// that the `write()` carrying a bad line or closing a cycle is refused.
///
/// A check costs about the size of what was added since the last one: the
/// new edges are merged into the list so far, which is not sorted again,
/// and the cycle search starts from the consumers given new pairs (the list
/// had no cycle before, so a new one goes through one of them).
pub(crate) struct Builder {
    splitter: LineSplitter<Carry>,
    /// The list checked so far, merged.
    edges: KVVec<Edge>,
    /// The edges added since the last check.
    batch: KVVec<Edge>,
    next_seq: u32,
    /// The cycle search's marks, one per edge: all zero between checks.
    scratch: KVVec<u32>,
}

impl Builder {
    /// An empty builder.
    pub(crate) fn new() -> Result<Self, BuildError> {
        let carry = KVec::from_elem(0, LINE_MAX, GFP_KERNEL)?;
        Ok(Builder {
            splitter: LineSplitter::with_buffer(Carry(carry)),
            edges: KVVec::new(),
            batch: KVVec::new(),
            next_seq: 0,
            scratch: KVVec::new(),
        })
    }

    /// Adds the complete lines in `text`; a trailing partial line is kept
    /// for the next call, and refused now if nothing that may follow can
    /// make it valid.
    pub(crate) fn add(&mut self, text: &[u8]) -> Result<(), BuildError> {
        let Builder {
            splitter,
            batch,
            next_seq,
            ..
        } = self;
        splitter
            .feed(text, |_, line| add_line(batch, next_seq, line))
            .map_err(|(line, e)| e.at(line))?;
        match splitter.unfinished() {
            Some((line, start)) => {
                deps::check_line_start(start).map_err(|e| BuildError::Line(line, e))
            }
            None => Ok(()),
        }
    }

    /// Adds the last line if the text did not end with a newline, checks
    /// everything and returns the table.
    pub(crate) fn finish(mut self) -> Result<Table, BuildError> {
        let Builder {
            splitter,
            batch,
            next_seq,
            ..
        } = &mut self;
        splitter
            .finish(|_, line| add_line(batch, next_seq, line))
            .map_err(|(line, e)| e.at(line))?;
        self.check()?;
        Ok(Table { edges: self.edges })
    }

    /// Merges what was added since the last check into the list and refuses
    /// cycles and oversized lists.
    pub(crate) fn check(&mut self) -> Result<(), BuildError> {
        let Some(&filler) = self.batch.first() else {
            return Ok(());
        };
        let base = self.edges.len();
        self.edges
            .resize(base + self.batch.len(), filler, GFP_KERNEL)?;
        let len = deps::merge_into(&mut self.edges, base, &mut self.batch);
        self.edges.truncate(len);
        if len > ENTRIES_MAX {
            return Err(BuildError::TooMany);
        }
        self.scratch.resize(len, 0u32, GFP_KERNEL)?;
        let added = self.batch.get(..len - base).unwrap_or_default();
        let roots = added.iter().map(|edge| edge.consumer);
        let result = match List::new(&self.edges).find_cycle_from(roots, &mut self.scratch) {
            Ok(Some(cycle)) => Err(cycle_error(&cycle)),
            Ok(None) => Ok(()),
            // Only a too-small scratch buffer fails, and it is sized above.
            Err(_) => Err(BuildError::NoMemory),
        };
        self.batch.clear();
        result
    }
}

/// The splitter's buffer for a line that spans writes, on the heap.
struct Carry(KVec<u8>);

impl AsRef<[u8]> for Carry {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl AsMut<[u8]> for Carry {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

/// A line's error before its line number is known.
enum LineError {
    Parse(deps::Error),
    NoMemory,
}

impl From<deps::Error> for LineError {
    fn from(e: deps::Error) -> Self {
        LineError::Parse(e)
    }
}

impl LineError {
    fn at(self, line: usize) -> BuildError {
        match self {
            LineError::Parse(e) => BuildError::Line(line, e),
            LineError::NoMemory => BuildError::NoMemory,
        }
    }
}

fn add_line(batch: &mut KVVec<Edge>, next_seq: &mut u32, line: &[u8]) -> Result<(), LineError> {
    deps::parse_line(line)?.for_each_edge(next_seq, |edge| {
        batch
            .push(edge, GFP_KERNEL)
            .map_err(|_| LineError::NoMemory)
    })
}

/// Renders a cycle for the log; the chain is short, so a small buffer will do.
fn cycle_error(cycle: &Cycle<'_>) -> BuildError {
    let mut text = TextBuf(KVec::new());
    if fmt::write(&mut text, format_args!("{cycle}")).is_err() {
        return BuildError::NoMemory;
    }
    BuildError::Cycle(text.0)
}

/// A growable byte buffer that `write!` can print into.
pub(crate) struct TextBuf(pub(crate) KVec<u8>);

impl fmt::Write for TextBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0
            .extend_from_slice(s.as_bytes(), GFP_KERNEL)
            .map_err(|_| fmt::Error)
    }
}
