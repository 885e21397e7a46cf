//! Tests of merging, lookups, canonical output and cycle detection.

mod common;

use common::{canonical, list, name, parse, parse_raw, triples};
use preload_deps::*;
use std::time::Instant;

fn find_cycle(edges: &[Edge]) -> Option<String> {
    let mut scratch = vec![0u32; edges.len()];
    List::new(edges)
        .find_cycle(&mut scratch)
        .unwrap()
        .map(|c| c.to_string())
}

fn dep_names(edges: &[Edge]) -> Vec<String> {
    edges
        .iter()
        .map(|e| format!("{}{}", if e.optional { "?" } else { "" }, e.dep))
        .collect()
}

#[test]
fn merge_keeps_written_order_per_consumer() {
    let edges = list("b: z y\na: c\nb: x\na: b\n");
    assert_eq!(canonical(&edges), "a: c b\nb: z y x\n");
    let seqs: Vec<u32> = edges.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [2, 4, 0, 1, 3]);
}

#[test]
fn merge_removes_duplicates_keeping_the_first_position() {
    let edges = list("a: b c\na: d b\na: c\n");
    assert_eq!(canonical(&edges), "a: b c d\n");
    let edges = list("a: d\na: b c b d\n");
    assert_eq!(canonical(&edges), "a: d b c\n");
}

#[test]
fn merge_required_wins_over_optional() {
    assert_eq!(canonical(&list("a: ?b\na: b\n")), "a: b\n");
    assert_eq!(canonical(&list("a: b\na: ?b\n")), "a: b\n");
    assert_eq!(canonical(&list("a: ?b ?b\n")), "a: ?b\n");
    assert_eq!(canonical(&list("a: ?c ?b\na: ?b c\n")), "a: c ?b\n");
}

#[test]
fn merge_treats_dash_and_underscore_alike() {
    assert_eq!(
        canonical(&list("a-b: c-d\na_b: c_d ?e-f\n")),
        "a_b: c_d ?e_f\n"
    );
}

#[test]
fn merge_handles_trivial_inputs() {
    assert_eq!(merge(&mut []), 0);
    let mut one = parse_raw(b"a: b").unwrap();
    assert_eq!(merge(&mut one), 1);
    assert_eq!(canonical(&list("x:\n# nothing\n")), "");
}

#[test]
fn merge_is_deterministic_regardless_of_input_order() {
    let raw = parse_raw(b"c: a b\na: c ?d\nb: a\na: ?d e c\nc: b").unwrap();
    let mut expected = raw.clone();
    let len = merge(&mut expected);
    expected.truncate(len);
    let mut rng = common::XorShift(7);
    for _ in 0..50 {
        let mut shuffled = raw.clone();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.below(i + 1));
        }
        let len = merge(&mut shuffled);
        shuffled.truncate(len);
        assert_eq!(shuffled, expected);
    }
}

#[test]
fn deps_of_and_consumers() {
    let edges = list("m: a ?b\nk: x\nz: y\nm: c\n");
    let l = List::new(&edges);
    assert_eq!(dep_names(l.deps_of(&name("m"))), ["a", "?b", "c"]);
    assert_eq!(dep_names(l.deps_of(&name("k"))), ["x"]);
    assert_eq!(dep_names(l.deps_of(&name("z"))), ["y"]);
    for missing in ["a", "j", "l", "mm", "zz", "A"] {
        assert!(l.deps_of(&name(missing)).is_empty(), "{missing}");
    }
    let consumers: Vec<(String, usize)> = l
        .consumers()
        .map(|(c, d)| (c.to_string(), d.len()))
        .collect();
    assert_eq!(
        consumers,
        [("k".into(), 1), ("m".into(), 3), ("z".into(), 1)]
    );
    assert!(l
        .consumers()
        .all(|(c, d)| d.iter().all(|e| e.consumer == c)));
    assert_eq!(l.edges().len(), 5);

    let empty = List::new(&[]);
    assert!(empty.deps_of(&name("a")).is_empty());
    assert_eq!(empty.consumers().count(), 0);
}

#[test]
fn lookups_on_unsorted_input_do_not_panic() {
    let mut edges = parse_raw(b"z: a\nb: c\nm: n\na: q").unwrap();
    edges.reverse();
    let l = List::new(&edges);
    for n in ["a", "b", "m", "z", "q"] {
        let _ = l.deps_of(&name(n));
    }
    let _ = l.consumers().count();
    let mut scratch = vec![0; edges.len()];
    let _ = l.find_cycle(&mut scratch);
}

#[test]
fn write_entry_writes_one_consumer() {
    let edges = list("a: b ?c\nd: e\n");
    let l = List::new(&edges);
    let mut out = String::new();
    write_entry(&name("a"), l.deps_of(&name("a")), &mut out).unwrap();
    assert_eq!(out, "a: b ?c\n");
    out.clear();
    write_entry(&name("q"), l.deps_of(&name("q")), &mut out).unwrap();
    assert_eq!(out, "");
    // It also takes a `dyn Write`.
    let dyn_out: &mut dyn std::fmt::Write = &mut out;
    write_entry(&name("d"), l.deps_of(&name("d")), dyn_out).unwrap();
    assert_eq!(out, "d: e\n");
}

#[test]
fn canonical_text_round_trips() {
    let messy = "# header\r\n  b-x :\t?a  c\r\nA: b_x\n\na: ?z y\nb_x: c ?d a\nz:\na: ?y\n";
    let edges = list(messy);
    let text = canonical(&edges);
    assert_eq!(text, "A: b_x\na: ?z y\nb_x: a c ?d\n");
    let again = list(&text);
    assert_eq!(triples(&again), triples(&edges));
    assert_eq!(canonical(&again), text);
}

#[test]
fn canonical_input_is_reproduced_byte_for_byte() {
    let text = "a: b c ?d\nb: ?c\nc_d: e\nz: a\n";
    assert_eq!(canonical(&list(text)), text);
}

#[test]
fn no_cycle() {
    assert_eq!(find_cycle(&list("a: b c\nb: c d\nc: d\n")), None);
    assert_eq!(find_cycle(&list("a: b\nc: b\n")), None);
    assert_eq!(find_cycle(&[]), None);
    // A diamond is no cycle.
    assert_eq!(
        find_cycle(&list("top: l r\nl: bottom\nr: bottom\nbottom: x\n")),
        None
    );
}

#[test]
fn self_cycle() {
    // The parser refuses `x: x`, but a list built by hand may hold it.
    let x = name("x");
    let edges = [Edge {
        consumer: x,
        dep: x,
        optional: false,
        seq: 0,
    }];
    assert_eq!(find_cycle(&edges).as_deref(), Some("x -> x"));
    let mut scratch = [0];
    let cycle = List::new(&edges).find_cycle(&mut scratch).unwrap().unwrap();
    assert_eq!(cycle.len(), 1);
    assert!(!cycle.is_empty());
    assert_eq!(cycle.edges().count(), 1);
}

#[test]
fn two_cycle() {
    assert_eq!(
        find_cycle(&list("a: b\nb: a\n")).as_deref(),
        Some("a -> b -> a")
    );
    assert_eq!(
        find_cycle(&list("b-x: a\na: b_x\n")).as_deref(),
        Some("a -> b_x -> a")
    );
}

#[test]
fn cycle_behind_other_modules() {
    let edges = list("a: b\nb: c\nc: d\nd: b\n");
    assert_eq!(find_cycle(&edges).as_deref(), Some("b -> c -> d -> b"));
    let edges = list("a: leaf x\nx: y leaf2\ny: z\nz: ?x\n");
    assert_eq!(find_cycle(&edges).as_deref(), Some("x -> y -> z -> x"));
}

#[test]
fn cycle_through_an_optional_dep() {
    assert_eq!(
        find_cycle(&list("a: b\nb: c\nc: ?a\n")).as_deref(),
        Some("a -> b -> c -> a")
    );
}

#[test]
fn cycle_edges_chain_up() {
    let edges = list("a: q b\nb: r c\nc: s ?a\n");
    let mut scratch = vec![0; edges.len()];
    let cycle = List::new(&edges).find_cycle(&mut scratch).unwrap().unwrap();
    let chain: Vec<(&str, &str, bool)> = cycle
        .edges()
        .map(|e| (e.consumer.as_str(), e.dep.as_str(), e.optional))
        .collect();
    assert_eq!(
        chain,
        [("a", "b", false), ("b", "c", false), ("c", "a", true)]
    );
    assert_eq!(format!("{cycle:?}"), "Cycle(a -> b -> c -> a)");
}

/// Returns a chain m0 -> m1 -> ... -> m{n-1}, closed into a cycle if asked.
fn chain(n: usize, closed: bool) -> String {
    let mut text = String::new();
    for i in 0..n - 1 {
        text.push_str(&format!("m{i}: m{}\n", i + 1));
    }
    if closed {
        text.push_str(&format!("m{}: ?m0\n", n - 1));
    }
    text
}

#[test]
fn long_cycles_are_shortened() {
    let cycle = |n| find_cycle(&list(&chain(n, true))).unwrap();
    assert_eq!(
        cycle(8),
        "m0 -> m1 -> m2 -> m3 -> m4 -> m5 -> m6 -> m7 -> m0"
    );
    assert_eq!(
        cycle(9),
        "m0 -> m1 -> m2 -> m3 -> m4 -> m5 -> ... -> m8 -> m0"
    );
    assert_eq!(
        cycle(100),
        "m0 -> m1 -> m2 -> m3 -> m4 -> m5 -> ... -> m99 -> m0"
    );
}

#[test]
fn scratch_too_small_is_an_error() {
    let edges = list("a: b\nb: a\n");
    let mut scratch = [0u32; 1];
    assert_eq!(
        List::new(&edges)
            .find_cycle(&mut scratch)
            .map(|c| c.is_some()),
        Err(Error::ScratchTooSmall)
    );
    // Longer scratch and leftover contents are fine.
    let mut scratch = [u32::MAX; 10];
    let cycle = List::new(&edges).find_cycle(&mut scratch).unwrap().unwrap();
    assert_eq!(cycle.to_string(), "a -> b -> a");
    let edges = list("a: b\n");
    let mut scratch = [7u32; 3];
    assert!(List::new(&edges)
        .find_cycle(&mut scratch)
        .unwrap()
        .is_none());
}

#[test]
fn deep_chain_needs_no_recursion() {
    // 100 000 nodes deep: a recursive search would overflow the stack.
    let n = 100_000;
    let edges = list(&chain(n, false));
    assert_eq!(edges.len(), n - 1);
    assert_eq!(find_cycle(&edges), None);
    let edges = list(&chain(n, true));
    let mut scratch = vec![0; edges.len()];
    let cycle = List::new(&edges).find_cycle(&mut scratch).unwrap().unwrap();
    assert_eq!(cycle.len(), n);
    assert_eq!(cycle.edges().count(), n);
    assert!(cycle.to_string().ends_with(" -> ... -> m99999 -> m0"));
}

#[test]
fn hundred_thousand_edges() {
    // 10 000 consumers with 10 deps each; every dep has a higher number, so
    // the graph is acyclic until one edge points back.
    let mut text = String::new();
    let mut rng = common::XorShift(0xdead_beef);
    for i in 0..10_000usize {
        text.push_str(&format!("mod-{i}:"));
        let mut deps: Vec<usize> = Vec::new();
        while deps.len() < 10 {
            let d = i + 1 + rng.below(50);
            if !deps.contains(&d) {
                deps.push(d);
            }
        }
        for d in deps {
            text.push_str(&format!(" {}mod_{d}", if d % 3 == 0 { "?" } else { "" }));
        }
        text.push('\n');
    }

    let start = Instant::now();
    let edges = list(&text);
    assert_eq!(edges.len(), 100_000);
    assert_eq!(find_cycle(&edges), None);
    let out = canonical(&edges);
    let elapsed = start.elapsed();
    eprintln!("100 000 edges: parse, merge, cycle search and output took {elapsed:?}");

    // Each consumer has one line, so the canonical text is those lines sorted.
    let mut expected: Vec<String> = text
        .replace('-', "_")
        .lines()
        .map(|l| format!("{l}\n"))
        .collect();
    expected.sort_by(|a, b| a.split(':').next().cmp(&b.split(':').next()));
    assert_eq!(out, expected.concat());
    assert_eq!(canonical(&list(&out)), out);

    // One edge from a deep module back to the first closes a cycle.
    text.push_str("mod_9999: ?mod_0\n");
    let mut raw = parse_raw(text.as_bytes()).unwrap();
    let len = merge(&mut raw);
    raw.truncate(len);
    let mut scratch = vec![0; raw.len()];
    let cycle = List::new(&raw).find_cycle(&mut scratch).unwrap().unwrap();
    let chain: Vec<&Edge> = cycle.edges().collect();
    assert!(chain.len() >= 2);
    for (i, e) in chain.iter().enumerate() {
        let next = chain[(i + 1) % chain.len()];
        assert_eq!(e.dep, next.consumer);
        assert!(List::new(&raw).deps_of(&e.consumer).contains(e));
    }
}

#[test]
fn parse_errors_are_not_masked_by_merging() {
    assert_eq!(parse("a: b\nb: ?\n"), Err((2, Error::EmptyOptional)));
}
