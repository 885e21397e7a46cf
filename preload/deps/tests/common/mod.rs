//! Helpers shared by the integration tests.

#![allow(dead_code)]

use preload_deps::{merge, parse_text, write_canonical, Edge, Error, LineSplitter, List, Name};

/// Returns a name the test knows to be valid.
pub fn name(s: &str) -> Name {
    Name::new(s.as_bytes()).unwrap()
}

/// Parses a whole text into raw (unmerged) edges.
pub fn parse_raw(text: &[u8]) -> Result<Vec<Edge>, (usize, Error)> {
    let mut edges = Vec::new();
    let mut seq = 0;
    parse_text(text, &mut seq, |e| {
        edges.push(e);
        Ok::<(), Error>(())
    })?;
    Ok(edges)
}

/// Parses and merges a whole text.
pub fn parse(text: &str) -> Result<Vec<Edge>, (usize, Error)> {
    let mut edges = parse_raw(text.as_bytes())?;
    let len = merge(&mut edges);
    edges.truncate(len);
    Ok(edges)
}

/// Parses and merges a text the test knows to be valid.
pub fn list(text: &str) -> Vec<Edge> {
    parse(text).unwrap_or_else(|(line, e)| panic!("line {line}: {e}"))
}

/// Returns the canonical text of merged edges.
pub fn canonical(edges: &[Edge]) -> String {
    let mut out = String::new();
    write_canonical(&List::new(edges), &mut out).unwrap();
    out
}

/// Returns merged edges as (consumer, dep, optional) for comparisons that ignore `seq`.
pub fn triples(edges: &[Edge]) -> Vec<(String, String, bool)> {
    edges
        .iter()
        .map(|e| (e.consumer.to_string(), e.dep.to_string(), e.optional))
        .collect()
}

/// The lines a splitter delivered, with their numbers, and its first error.
pub type Split = (Vec<(usize, Vec<u8>)>, Option<(usize, Error)>);

/// Feeds `input` to a splitter in chunks of the given sizes (cycled), and
/// records every delivered line and the first error.
pub fn split_chunked(input: &[u8], sizes: &[usize]) -> Split {
    let mut splitter = LineSplitter::new();
    let mut lines = Vec::new();
    let mut deliver = |no: usize, line: &[u8]| {
        lines.push((no, line.to_vec()));
        preload_deps::parse_line(line).map(|_| ())
    };
    let mut rest = input;
    let mut i = 0;
    while !rest.is_empty() {
        let size = sizes[i % sizes.len()].clamp(1, rest.len());
        i += 1;
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        if let Err(e) = splitter.feed(chunk, &mut deliver) {
            return (lines, Some(e));
        }
    }
    let err = splitter.finish(&mut deliver).err();
    (lines, err)
}

/// A small xorshift64 random number generator, so the tests need no crates.
pub struct XorShift(pub u64);

impl XorShift {
    /// Returns the next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Returns a number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Returns true with probability 1/n.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}
