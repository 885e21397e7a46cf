//! Tests of checking a list write by write, as the kernel does: after each
//! write, a search from the consumers that write added edges to finds a
//! cycle exactly when a search of the whole list does, and a search that
//! finds none leaves its scratch buffer as it found it, all zeros.

mod common;

use common::{list, name, XorShift};
use preload_deps::*;

fn cycle_from(merged: &[Edge], roots: &[Name]) -> Option<String> {
    let mut scratch = vec![0; merged.len()];
    List::new(merged)
        .find_cycle_from(roots.iter().copied(), &mut scratch)
        .unwrap()
        .map(|c| c.to_string())
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
    const NAMES: &[&str] = &["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    let mut rng = XorShift(0x0ba7_c4e5);
    let (mut cycles, mut writes) = (0, 0);
    for _ in 0..3_000 {
        // One scratch buffer for all writes, as the kernel keeps it.
        let mut scratch: Vec<u32> = Vec::new();
        let mut edges: Vec<Edge> = Vec::new();
        let mut seq = 0u32;
        for _ in 0..1 + rng.below(6) {
            let mut roots = Vec::new();
            for _ in 0..rng.below(8) {
                let (consumer, dep) =
                    (NAMES[rng.below(NAMES.len())], NAMES[rng.below(NAMES.len())]);
                if consumer == dep {
                    continue;
                }
                edges.push(Edge {
                    consumer: name(consumer),
                    dep: name(dep),
                    optional: rng.one_in(3),
                    seq,
                });
                roots.push(name(consumer));
                seq += 1;
            }
            let len = merge(&mut edges);
            edges.truncate(len);
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
        cycles > 300 && writes > 3 * cycles,
        "{cycles} cycles in {writes} writes"
    );
}
