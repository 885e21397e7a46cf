//! Fuzzes the grammar: any input parses or fails without panicking, and a
//! list that parses prints as canonical text that parses to the same list.

#![no_main]

use libfuzzer_sys::fuzz_target;
use preload_deps::{merge, parse_text, write_canonical, Edge, Error, List};

fn parse(text: &[u8]) -> Option<Vec<Edge>> {
    let mut edges = Vec::new();
    let mut seq = 0;
    parse_text(text, &mut seq, |e| {
        edges.push(e);
        Ok::<(), Error>(())
    })
    .ok()?;
    let len = merge(&mut edges);
    edges.truncate(len);
    Some(edges)
}

fn canonical(edges: &[Edge]) -> String {
    let mut text = String::new();
    write_canonical(&List::new(edges), &mut text).expect("writing to a String");
    text
}

fuzz_target!(|data: &[u8]| {
    let Some(edges) = parse(data) else { return };
    let mut scratch = vec![0; edges.len()];
    let _ = List::new(&edges)
        .find_cycle(&mut scratch)
        .expect("scratch is long enough");
    let text = canonical(&edges);
    let again = parse(text.as_bytes()).expect("canonical text parses");
    assert_eq!(canonical(&again), text);
    let pairs = |e: &[Edge]| {
        e.iter()
            .map(|e| (e.consumer, e.dep, e.optional))
            .collect::<Vec<_>>()
    };
    assert_eq!(pairs(&again), pairs(&edges));
});
