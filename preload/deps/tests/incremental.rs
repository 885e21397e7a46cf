//! Tests of checking a list write by write, as the kernel does: each write's
//! edges are merged into the list so far with `merge_into`, which gives what
//! one `merge` of everything gives; a search from the consumers given new
//! pairs finds a cycle exactly when a search of the whole list does, and a
//! search that finds none leaves its scratch buffer as it found it, zeros.

mod common;

use common::{list, name, parse_raw, XorShift};
use preload_deps::*;

fn cycle_from(merged: &[Edge], roots: &[Name]) -> Option<String> {
    let mut scratch = vec![0; merged.len()];
    List::new(merged)
        .find_cycle_from(roots.iter().copied(), &mut scratch)
        .unwrap()
        .map(|c| c.to_string())
}

/// The kernel's way: merges a write's edges into the list so far and
/// returns the consumers of the new pairs.
fn absorb(merged: &mut Vec<Edge>, batch: &mut [Edge]) -> Vec<Name> {
    let Some(&filler) = batch.first() else {
        return Vec::new();
    };
    let base = merged.len();
    merged.resize(base + batch.len(), filler);
    let len = merge_into(merged, base, batch);
    merged.truncate(len);
    batch[..len - base].iter().map(|e| e.consumer).collect()
}

#[test]
fn a_write_merges_into_the_list_as_one_list() {
    let mut merged = Vec::new();
    let mut first = parse_raw(b"b: z y\na: c\n").unwrap();
    absorb(&mut merged, &mut first);
    let mut seq = first.len() as u32;
    let mut batch = Vec::new();
    parse_text(b"b: x y\na: b\nc: ?a\nb: ?z\n", &mut seq, |e| {
        batch.push(e);
        Ok::<(), Error>(())
    })
    .unwrap();
    let new = absorb(&mut merged, &mut batch);
    assert_eq!(merged, list("b: z y\na: c\nb: x y\na: b\nc: ?a\nb: ?z\n"));
    // `b: y` and `b: ?z` were there: only the new pairs are new.
    assert_eq!(new, [name("a"), name("b"), name("c")]);
}

#[test]
fn a_cycle_is_found_from_a_consumer_on_it() {
    let merged = list("a: b\nb: c\nc: a\nd: e\n");
    assert_eq!(
        cycle_from(&merged, &[name("c")]).as_deref(),
        Some("c -> a -> b -> c")
    );
    assert_eq!(
        cycle_from(&merged, &[name("d"), name("b")]).as_deref(),
        Some("b -> c -> a -> b")
    );
    // Not from a consumer that does not reach it, nor from a module that is no consumer.
    assert_eq!(cycle_from(&merged, &[name("d"), name("e")]), None);
}

#[test]
fn random_writes_agree_with_whole_searches() {
    let few = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
        .map(String::from)
        .to_vec();
    random_writes(&few, 3_000, 6, 8, 300);
    // Many consumers and long writes: new pairs land all over the list.
    let many: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
    random_writes(&many, 100, 30, 60, 0);
}

/// `lists` lists of up to `writes_max` writes of up to `per_write` random edges
/// over `names`; at least `min_cycles` of the lists must meet a cycle.
fn random_writes(
    names: &[String],
    lists: usize,
    writes_max: usize,
    per_write: usize,
    min_cycles: usize,
) {
    let mut rng = XorShift(0x0ba7_c4e5);
    let (mut cycles, mut writes) = (0, 0);
    for _ in 0..lists {
        // One scratch buffer for all writes, as the kernel keeps it.
        let mut scratch: Vec<u32> = Vec::new();
        let mut edges: Vec<Edge> = Vec::new();
        let mut all = Vec::new();
        let mut seq = 0u32;
        for _ in 0..1 + rng.below(writes_max) {
            let mut batch = Vec::new();
            for _ in 0..rng.below(per_write) {
                let (consumer, dep) = (
                    &names[rng.below(names.len())],
                    &names[rng.below(names.len())],
                );
                if consumer == dep {
                    continue;
                }
                batch.push(Edge {
                    consumer: name(consumer),
                    dep: name(dep),
                    optional: rng.one_in(3),
                    seq,
                });
                seq += 1;
            }
            all.extend_from_slice(&batch);
            let roots = absorb(&mut edges, &mut batch);
            let mut whole_list = all.clone();
            let len = merge(&mut whole_list);
            whole_list.truncate(len);
            assert_eq!(edges, whole_list);
            scratch.resize(len, 0);
            let found = List::new(&edges)
                .find_cycle_from(roots.iter().copied(), &mut scratch)
                .unwrap()
                .map(|c| c.to_string());
            let mut whole = vec![0; len];
            let expected = List::new(&edges).find_cycle(&mut whole).unwrap().is_some();
            assert_eq!(found.is_some(), expected, "{found:?} in {edges:?}");
            writes += 1;
            if found.is_some() {
                cycles += 1;
                break;
            }
            assert!(
                scratch.iter().all(|&s| s == 0),
                "the scratch was left marked"
            );
        }
    }
    assert!(
        cycles >= min_cycles && writes > 3 * cycles,
        "{cycles} cycles in {writes} writes"
    );
}
