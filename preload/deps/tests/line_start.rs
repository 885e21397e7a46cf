//! Tests of `check_line_start`: the start of a line whose end has not
//! arrived fails only when nothing that may follow can make it valid.

mod common;

use common::XorShift;
use preload_deps::*;

fn start_err(start: &[u8]) -> Error {
    match check_line_start(start) {
        Err(e) => e,
        Ok(()) => panic!("{:?} passed", String::from_utf8_lossy(start)),
    }
}

#[test]
fn starts_that_may_still_become_valid_pass() {
    for start in [
        "",
        "  ",
        "#",
        "# any ?! text",
        "a",
        "a ",
        "a\t",
        "a:",
        "a: ",
        "a: b",
        "a: b ",
        "a: ?",
        "a: ?b",
        "a: a",
        "a: ?a",
        "ab: a",
        "a: b\r",
        "a:\r",
        "a-b: a_",
        "\r",
    ] {
        assert_eq!(check_line_start(start.as_bytes()), Ok(()), "{start:?}");
    }
    let longest = "n".repeat(NAME_MAX);
    assert_eq!(check_line_start(longest.as_bytes()), Ok(()));
    assert_eq!(check_line_start(format!("a: {longest}").as_bytes()), Ok(()));
}

#[test]
fn starts_no_continuation_can_fix_fail() {
    assert_eq!(start_err(b"a?"), Error::BadChar(b'?'));
    assert_eq!(start_err(b"a: b?"), Error::BadChar(b'?'));
    assert_eq!(start_err(b"a: b?c"), Error::BadChar(b'?'));
    assert_eq!(start_err(b"a\0"), Error::BadChar(0));
    assert_eq!(start_err(b"a: \0"), Error::BadChar(0));
    assert_eq!(start_err(b": b"), Error::EmptyName);
    assert_eq!(start_err(b"a b"), Error::MissingColon);
    assert_eq!(start_err(b"a: ?? "), Error::BadChar(b'?'));
    assert_eq!(start_err(b"a: ? "), Error::EmptyOptional);
    assert_eq!(
        start_err(b"a: a "),
        Error::SelfDependency(Name::new(b"a").unwrap())
    );
    // A final `\r` can only be followed by the newline.
    assert_eq!(start_err(b"a\r"), Error::MissingColon);
    assert_eq!(start_err(b"a: ?\r"), Error::EmptyOptional);
    let too_long = "n".repeat(NAME_MAX + 1);
    assert_eq!(start_err(too_long.as_bytes()), Error::NameTooLong);
    assert_eq!(
        start_err(format!("a: {too_long}").as_bytes()),
        Error::NameTooLong
    );
    // The consumer's own name at full length cannot grow into another one.
    let longest = "n".repeat(NAME_MAX);
    assert_eq!(
        start_err(format!("{longest}: {longest}").as_bytes()),
        Error::SelfDependency(Name::new(longest.as_bytes()).unwrap())
    );
    let many: String = (0..=DEPS_PER_LINE_MAX).map(|i| format!(" d{i}")).collect();
    assert_eq!(
        start_err(format!("a:{many}").as_bytes()),
        Error::TooManyDeps
    );
    assert_eq!(
        start_err(format!("a:{many}x").as_bytes()),
        Error::TooManyDeps
    );
}

#[test]
fn line_length_limit() {
    // A start at the limit can take no more bytes: it must be complete as it is.
    let mut full = b"a: ".to_vec();
    full.resize(LINE_MAX, b' ');
    assert_eq!(check_line_start(&full), Ok(()));
    let mut waiting = b"a".to_vec();
    waiting.resize(LINE_MAX, b' ');
    assert_eq!(start_err(&waiting), Error::MissingColon);
    full.push(b' ');
    assert_eq!(start_err(&full), Error::LineTooLong);
}

/// Random starts over an alphabet that reaches every rule, some long.
fn random_start(rng: &mut XorShift) -> Vec<u8> {
    const ALPHABET: &[u8] = b"aab:: \t?#\r-_\0x";
    let len = if rng.one_in(8) {
        NAME_MAX - 2 + rng.below(6)
    } else {
        rng.below(12)
    };
    let mut start: Vec<u8> = (0..len)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
        .collect();
    if rng.one_in(8) {
        // A long name somewhere near the limit.
        let at = rng.below(start.len() + 1);
        let name = vec![b'n'; NAME_MAX - 1 + rng.below(3)];
        start.splice(at..at, name);
    }
    start
}

fn parses(line: &[u8]) -> bool {
    parse_line(line).is_ok()
}

fn joined(a: &[u8], b: &[u8]) -> Vec<u8> {
    [a, b].concat()
}

/// A start passes exactly when some continuation makes a valid line: one of
/// a few candidates does whenever any does, and no random continuation ever
/// does when the start failed.
#[test]
fn a_start_passes_exactly_when_a_continuation_makes_it_valid() {
    let mut rng = XorShift(0x5eed_1a57);
    let mut passed = 0;
    for _ in 0..200_000 {
        let start = random_start(&mut rng);
        let fixable = [&b""[..], b":", b"x", b"y"]
            .iter()
            .any(|c| parses(&joined(&start, c)));
        match check_line_start(&start) {
            Ok(()) => {
                assert!(
                    fixable,
                    "{:?} passed, nothing completes it",
                    String::from_utf8_lossy(&start)
                );
                passed += 1;
            }
            Err(e) => {
                assert!(
                    !fixable,
                    "{:?} failed ({e}), yet it can be completed",
                    String::from_utf8_lossy(&start)
                );
                for _ in 0..4 {
                    let more = random_start(&mut rng);
                    assert!(
                        !parses(&joined(&start, &more)),
                        "{:?} failed ({e}), yet {:?} completes it",
                        String::from_utf8_lossy(&start),
                        String::from_utf8_lossy(&more)
                    );
                }
            }
        }
    }
    // Both outcomes were exercised.
    assert!(passed > 10_000 && passed < 190_000, "{passed} passed");
}

/// Every start of every valid line passes.
#[test]
fn every_start_of_a_valid_line_passes() {
    let mut rng = XorShift(0xfeed_5a17);
    let mut valid = 0;
    for _ in 0..20_000 {
        let line = random_start(&mut rng);
        if !parses(&line) {
            continue;
        }
        valid += 1;
        for end in 0..=line.len() {
            assert_eq!(
                check_line_start(&line[..end]),
                Ok(()),
                "{:?}, a start of the valid {:?}",
                String::from_utf8_lossy(&line[..end]),
                String::from_utf8_lossy(&line)
            );
        }
    }
    assert!(valid > 1_000, "only {valid} valid lines");
}
