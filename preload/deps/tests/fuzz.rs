//! Randomized tests: byte soup never panics, and the results agree with
//! simple reference implementations.

mod common;

use common::{canonical, parse_raw, split_chunked, triples, XorShift};
use preload_deps::*;
use std::collections::{BTreeMap, BTreeSet};

/// Makes random bytes, mostly from the grammar's alphabet so that many lines
/// are valid or nearly so.
fn soup(rng: &mut XorShift, len: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"abcxyz_-AZ09  \t:::??##\n\n\n\r";
    (0..len)
        .map(|_| {
            if rng.one_in(20) {
                rng.next() as u8
            } else {
                ALPHABET[rng.below(ALPHABET.len())]
            }
        })
        .collect()
}

/// Makes a random valid line over a few short names, sometimes with odd spacing.
fn valid_line(rng: &mut XorShift) -> String {
    const NAMES: &[&str] = &["a", "b", "c", "d-e", "d_e", "f", "g", "h"];
    const BLANKS: &[&str] = &[" ", "\t", "  ", " \t "];
    let blank = |rng: &mut XorShift| BLANKS[rng.below(BLANKS.len())];
    let consumer = NAMES[rng.below(NAMES.len())];
    let mut line = format!(
        "{}{consumer}{}:",
        blank(rng).trim_start_matches(' '),
        if rng.one_in(3) { blank(rng) } else { "" }
    );
    for _ in 0..rng.below(5) {
        let dep = NAMES[rng.below(NAMES.len())];
        if dep.replace('-', "_") == consumer.replace('-', "_") {
            continue;
        }
        line.push_str(blank(rng));
        if rng.one_in(3) {
            line.push('?');
        }
        line.push_str(dep);
    }
    if rng.one_in(4) {
        line.push('\r');
    }
    line
}

/// A reference merge built on std collections.
fn reference_merge(raw: &[Edge]) -> Vec<(String, String, bool)> {
    let mut per_consumer: BTreeMap<Vec<u8>, Vec<(String, bool)>> = BTreeMap::new();
    for e in raw {
        let deps = per_consumer
            .entry(e.consumer.as_bytes().to_vec())
            .or_default();
        match deps.iter_mut().find(|(d, _)| d == e.dep.as_str()) {
            Some((_, optional)) => *optional &= e.optional,
            None => deps.push((e.dep.to_string(), e.optional)),
        }
    }
    per_consumer
        .into_iter()
        .flat_map(|(c, deps)| {
            let c = String::from_utf8(c).unwrap();
            deps.into_iter().map(move |(d, o)| (c.clone(), d, o))
        })
        .collect()
}

/// Whether the graph has a cycle, by Kahn's algorithm.
fn reference_has_cycle(edges: &[Edge]) -> bool {
    let mut out: BTreeMap<Name, Vec<Name>> = BTreeMap::new();
    let mut indegree: BTreeMap<Name, usize> = BTreeMap::new();
    for e in edges {
        out.entry(e.consumer).or_default().push(e.dep);
        indegree.entry(e.consumer).or_default();
        *indegree.entry(e.dep).or_default() += 1;
    }
    let mut ready: Vec<Name> = indegree
        .iter()
        .filter(|(_, &d)| d == 0)
        .map(|(&n, _)| n)
        .collect();
    let mut removed = 0;
    while let Some(n) = ready.pop() {
        removed += 1;
        for d in out.get(&n).into_iter().flatten() {
            let degree = indegree.get_mut(d).unwrap();
            *degree -= 1;
            if *degree == 0 {
                ready.push(*d);
            }
        }
    }
    removed != indegree.len()
}

/// Checks everything that can be checked about one input.
fn check(input: &[u8], rng: &mut XorShift) -> bool {
    // Chunked splitting agrees with whole-text parsing.
    let whole = split_chunked(input, &[usize::MAX]);
    let chunked = split_chunked(input, &[1 + rng.below(8), 1 + rng.below(64)]);
    assert_eq!(chunked, whole);
    let parsed = parse_raw(input);
    assert_eq!(parsed.as_ref().err().copied(), whole.1);

    // Every line the parser accepts is sane.
    for line in input.split(|&b| b == b'\n') {
        if let Ok(Line::Entry { consumer, deps }) = parse_line(line) {
            let deps: Vec<Dep> = deps.collect();
            assert!(deps.len() <= DEPS_PER_LINE_MAX);
            assert!(deps.iter().all(|d| d.name != consumer));
            for n in std::iter::once(consumer).chain(deps.iter().map(|d| d.name)) {
                assert!(!n.as_bytes().is_empty() && n.as_bytes().len() <= NAME_MAX);
                assert!(n
                    .as_bytes()
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'_'));
            }
        }
    }

    let Ok(raw) = parsed else { return false };
    let mut edges = raw.clone();
    let len = merge(&mut edges);
    edges.truncate(len);
    assert_eq!(triples(&edges), reference_merge(&raw));

    let list = List::new(&edges);
    let mut scratch = vec![0; edges.len()];
    match list.find_cycle(&mut scratch).unwrap() {
        Some(cycle) => {
            assert!(reference_has_cycle(&edges));
            let chain: Vec<&Edge> = cycle.edges().collect();
            assert_eq!(chain.len(), cycle.len());
            for (i, e) in chain.iter().enumerate() {
                assert_eq!(e.dep, chain[(i + 1) % chain.len()].consumer);
                assert!(list.deps_of(&e.consumer).contains(e));
            }
        }
        None => assert!(!reference_has_cycle(&edges)),
    }

    let text = canonical(&edges);
    let again = common::list(&text);
    assert_eq!(triples(&again), triples(&edges));
    assert_eq!(canonical(&again), text);
    true
}

/// Makes a valid line and then damages it a little, sometimes.
fn mutated_line(rng: &mut XorShift) -> Vec<u8> {
    let mut line = valid_line(rng).into_bytes();
    while rng.one_in(3) {
        let at = rng.below(line.len() + 1);
        match rng.below(3) {
            0 => line.insert(at, soup(rng, 1)[0]),
            1 if at < line.len() => {
                line.remove(at);
            }
            _ => {
                let len = rng.below(8);
                line.splice(at..at, soup(rng, len)).for_each(drop);
            }
        }
    }
    line
}

#[test]
fn byte_soup_never_panics() {
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let mut valid = 0;
    for round in 0..3000 {
        let input = if round % 3 == 0 {
            let len = rng.below(if round % 10 == 0 { 3 * LINE_MAX } else { 200 });
            soup(&mut rng, len)
        } else {
            let lines: Vec<Vec<u8>> = (0..rng.below(10)).map(|_| mutated_line(&mut rng)).collect();
            lines.join(&b'\n')
        };
        valid += usize::from(check(&input, &mut rng));
    }
    // Make sure the soup is not all errors.
    eprintln!("{valid} of 3000 inputs were valid");
    assert!(valid > 300, "only {valid} valid inputs");
}

#[test]
fn uniformly_random_bytes_never_panic() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for round in 0..2000 {
        let len = rng.below(if round % 10 == 0 { 2 * LINE_MAX } else { 64 });
        let input: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        check(&input, &mut rng);
    }
}

#[test]
fn random_valid_lists_agree_with_references() {
    let mut rng = XorShift(0x1234_5678_9abc_def1);
    let mut cycles = 0;
    for _ in 0..2000 {
        let lines: Vec<String> = (0..rng.below(12)).map(|_| valid_line(&mut rng)).collect();
        let input = lines.join(if rng.one_in(2) { "\n" } else { "\n\n# c\n" });
        assert!(check(input.as_bytes(), &mut rng), "{input:?}");
        let edges = common::list(&input);
        cycles += usize::from(reference_has_cycle(&edges));
    }
    // Make sure both outcomes were exercised.
    assert!(cycles > 100 && cycles < 1900, "{cycles} cycles");
}

#[test]
fn random_names_round_trip() {
    let mut rng = XorShift(99);
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    let mut seen = BTreeSet::new();
    for _ in 0..5000 {
        let raw: Vec<u8> = (0..1 + rng.below(NAME_MAX))
            .map(|_| CHARS[rng.below(CHARS.len())])
            .collect();
        let n = Name::new(&raw).unwrap();
        let expected: Vec<u8> = raw
            .iter()
            .map(|&b| if b == b'-' { b'_' } else { b })
            .collect();
        assert_eq!(n.as_bytes(), &expected[..]);
        assert_eq!(n.as_str().as_bytes(), &expected[..]);
        assert_eq!(Name::new(n.as_bytes()), Ok(n));
        seen.insert(n);
    }
    // The derived order of the set agrees with the bytes.
    let bytes: Vec<&[u8]> = seen.iter().map(|n| n.as_bytes()).collect();
    assert!(bytes.windows(2).all(|w| w[0] < w[1]));
}
