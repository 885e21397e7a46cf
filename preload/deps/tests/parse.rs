//! Tests of names, lines and whole texts.

mod common;

use common::{name, parse, parse_raw};
use preload_deps::*;
use std::collections::HashSet;

/// Parses a line that must be an entry and returns its consumer and deps.
fn entry(line: &str) -> (String, Vec<(String, bool)>) {
    match parse_line(line.as_bytes()) {
        Ok(Line::Entry { consumer, deps }) => (
            consumer.to_string(),
            deps.map(|d| (d.name.to_string(), d.optional)).collect(),
        ),
        other => panic!("{line:?} gave {other:?}"),
    }
}

fn deps(list: &[(&str, bool)]) -> Vec<(String, bool)> {
    list.iter().map(|&(n, o)| (n.to_string(), o)).collect()
}

fn err(line: &[u8]) -> Error {
    match parse_line(line) {
        Err(e) => e,
        Ok(l) => panic!("{:?} parsed as {l:?}", String::from_utf8_lossy(line)),
    }
}

#[test]
fn name_canonicalises_dashes() {
    let n = Name::new(b"snd-hda_intel").unwrap();
    assert_eq!(n.as_bytes(), b"snd_hda_intel");
    assert_eq!(n.as_str(), "snd_hda_intel");
    assert_eq!(n, name("snd_hda-intel"));
    assert_eq!(n.to_string(), "snd_hda_intel");
    assert_eq!(format!("{n:?}"), "\"snd_hda_intel\"");
    assert_eq!(format!("[{n:>15}]"), "[  snd_hda_intel]");
}

#[test]
fn name_is_case_sensitive() {
    assert_ne!(name("Foo"), name("foo"));
}

#[test]
fn name_limits() {
    let longest = "a".repeat(NAME_MAX);
    assert_eq!(name(&longest).as_str(), longest);
    assert_eq!(name("x").as_bytes(), b"x");
    assert_eq!(name("-").as_str(), "_");
    assert_eq!(Name::new(longest.as_bytes()).map(|_| ()), Ok(()));
    let too_long = "a".repeat(NAME_MAX + 1);
    assert_eq!(Name::new(too_long.as_bytes()), Err(Error::NameTooLong));
    assert_eq!(Name::new(b""), Err(Error::EmptyName));
}

#[test]
fn name_rejects_every_other_byte() {
    for b in 0..=255u8 {
        let ok = b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        let result = Name::new(&[b'a', b, b'z']);
        if ok {
            assert!(result.is_ok(), "byte {b:#04x}");
        } else {
            assert_eq!(result, Err(Error::BadChar(b)));
        }
    }
    // A bad byte is reported before the length.
    let mut long = vec![b'a'; 100];
    long[80] = 0xff;
    assert_eq!(Name::new(&long), Err(Error::BadChar(0xff)));
}

#[test]
fn name_order_is_bytewise() {
    let mut names: Vec<Name> = ["b", "a_b", "a", "ab", "A", "a0", "Z", "_", "9", "a-a"]
        .iter()
        .map(|s| name(s))
        .collect();
    names.sort();
    let sorted: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
    let mut expected = vec!["b", "a_b", "a", "ab", "A", "a0", "Z", "_", "9", "a_a"];
    expected.sort_by(|x, y| x.as_bytes().cmp(y.as_bytes()));
    assert_eq!(sorted, expected);
    assert!(name("ab") < name("abc"));
    assert!(name("abc") > name("ab"));
    assert!(name("ab_") > name("ab"));
}

#[test]
fn name_eq_and_hash_agree() {
    let set: HashSet<Name> = ["a-b", "a_b", "ab", "a"].iter().map(|s| name(s)).collect();
    assert_eq!(set.len(), 3);
    assert!(set.contains(&name("a_b")));
}

#[test]
fn empty_and_comment_lines() {
    for line in [
        "",
        " ",
        "\t \t",
        "\r",
        "  \r",
        "#",
        "# comment",
        "   # indented: x y",
        "\t#x: x",
        "#\x07\x7f binary is fine in a comment",
    ] {
        assert!(
            matches!(parse_line(line.as_bytes()), Ok(Line::Empty)),
            "{line:?}"
        );
    }
    assert!(matches!(parse_line(b"# \xff\xfe\x00"), Ok(Line::Empty)));
}

#[test]
fn simple_entries() {
    assert_eq!(
        entry("a: b c ?d"),
        ("a".into(), deps(&[("b", false), ("c", false), ("d", true)]))
    );
    assert_eq!(entry("a:b"), ("a".into(), deps(&[("b", false)])));
    assert_eq!(entry("a :b"), ("a".into(), deps(&[("b", false)])));
    assert_eq!(
        entry(" \ta \t: \t b\t\t?c \t"),
        ("a".into(), deps(&[("b", false), ("c", true)]))
    );
    assert_eq!(
        entry("snd-hda-intel: snd-hda-codec ?i915"),
        (
            "snd_hda_intel".into(),
            deps(&[("snd_hda_codec", false), ("i915", true)])
        )
    );
}

#[test]
fn entry_without_deps() {
    assert_eq!(entry("x:"), ("x".into(), vec![]));
    assert_eq!(entry("  x  :  "), ("x".into(), vec![]));
    assert_eq!(err(b":"), Error::EmptyName);
    assert_eq!(err(b"x\x01:"), Error::BadChar(1));
}

#[test]
fn crlf_is_tolerated() {
    assert_eq!(entry("a: b\r"), ("a".into(), deps(&[("b", false)])));
    assert_eq!(entry("a: b \t\r"), ("a".into(), deps(&[("b", false)])));
    assert_eq!(entry("a:\r"), ("a".into(), vec![]));
    // Only one trailing '\r' is a line ending; others are bad bytes.
    assert_eq!(err(b"a: b\r\r"), Error::BadChar(b'\r'));
    assert_eq!(err(b"a: b\rc"), Error::BadChar(b'\r'));
    assert_eq!(err(b"a\r: b"), Error::BadChar(b'\r'));
}

#[test]
fn duplicate_deps_on_a_line_are_kept_by_the_parser() {
    assert_eq!(
        entry("a: b b ?b"),
        ("a".into(), deps(&[("b", false), ("b", false), ("b", true)]))
    );
}

#[test]
fn missing_colon() {
    for line in ["a", "a b", "a b: c", "a # comment", " a\t", "a\r"] {
        assert_eq!(err(line.as_bytes()), Error::MissingColon, "{line:?}");
    }
}

#[test]
fn bad_characters() {
    assert_eq!(err(b"a.ko: b"), Error::BadChar(b'.'));
    assert_eq!(err(b"a: b.ko"), Error::BadChar(b'.'));
    assert_eq!(err(b"a: b # comment"), Error::BadChar(b'#'));
    assert_eq!(err(b"a: b:c"), Error::BadChar(b':'));
    assert_eq!(err(b"a:: b"), Error::BadChar(b':'));
    assert_eq!(err(b"a: b?"), Error::BadChar(b'?'));
    assert_eq!(err(b"a: ??b"), Error::BadChar(b'?'));
    assert_eq!(err(b"?a: b"), Error::BadChar(b'?'));
    assert_eq!(err(b"a: \x07"), Error::BadChar(7));
    assert_eq!(err(b"a: \xc3\xa9"), Error::BadChar(0xc3));
    assert_eq!(err(b"a: b\x00"), Error::BadChar(0));
    assert_eq!(err(b"a: b\x0bc"), Error::BadChar(0x0b));
    assert_eq!(err(b"a: b\nc"), Error::BadChar(b'\n'));
}

#[test]
fn name_errors_in_lines() {
    let long = "m".repeat(NAME_MAX + 1);
    let ok = "m".repeat(NAME_MAX);
    assert_eq!(err(format!("{long}: b").as_bytes()), Error::NameTooLong);
    assert_eq!(err(format!("a: b {long}").as_bytes()), Error::NameTooLong);
    assert_eq!(err(format!("a: ?{long}").as_bytes()), Error::NameTooLong);
    assert_eq!(entry(&format!("{ok}: ?a")).0, ok);
    assert_eq!(entry(&format!("a: ?{ok}")).1, deps(&[(&ok, true)]));
    assert_eq!(err(b": b"), Error::EmptyName);
    assert_eq!(err(b"  \t: b"), Error::EmptyName);
    assert_eq!(err(b"a: ?"), Error::EmptyOptional);
    assert_eq!(err(b"a: b ? c"), Error::EmptyOptional);
}

#[test]
fn self_dependency() {
    for line in [
        "x: x",
        "x: ?x",
        "x: a b x",
        "a-b: a_b",
        "a_b: ?a-b",
        "a-b: a-b",
    ] {
        let e = err(line.as_bytes());
        assert!(matches!(e, Error::SelfDependency(_)), "{line:?}: {e:?}");
    }
    assert_eq!(err(b"a-b: c a_b"), Error::SelfDependency(name("a_b")));
    assert_eq!(err(b"x: x").to_string(), "x depends on itself");
    assert_eq!(err(b"a-b: a-b").to_string(), "a_b depends on itself");
    // Case matters.
    assert!(parse_line(b"X: x").is_ok());
}

#[test]
fn deps_per_line_limit() {
    let names: Vec<String> = (0..=DEPS_PER_LINE_MAX).map(|i| format!("d{i}")).collect();
    let ok = format!("a: {}", names[..DEPS_PER_LINE_MAX].join(" "));
    assert_eq!(entry(&ok).1.len(), DEPS_PER_LINE_MAX);
    let too_many = format!("a: {}", names.join(" "));
    assert_eq!(err(too_many.as_bytes()), Error::TooManyDeps);
    // Duplicates count too.
    let dups = format!("a:{}", " b".repeat(DEPS_PER_LINE_MAX + 1));
    assert_eq!(err(dups.as_bytes()), Error::TooManyDeps);
}

#[test]
fn line_length_limit() {
    let exact = format!("a:{} b", " ".repeat(LINE_MAX - 4));
    assert_eq!(exact.len(), LINE_MAX);
    assert_eq!(entry(&exact).1, deps(&[("b", false)]));
    let comment = format!("#{}", "x".repeat(LINE_MAX));
    assert_eq!(err(comment.as_bytes()), Error::LineTooLong);
    let blank = " ".repeat(LINE_MAX + 1);
    assert_eq!(err(blank.as_bytes()), Error::LineTooLong);
    // A trailing '\r' counts towards the limit.
    let crlf = format!("{exact}\r");
    assert_eq!(err(crlf.as_bytes()), Error::LineTooLong);
    let huge = vec![b'a'; 1 << 20];
    assert_eq!(err(&huge), Error::LineTooLong);
}

#[test]
fn binary_lines_never_parse_as_entries_with_bad_names() {
    for line in [
        &b"\x00"[..],
        b"\xff: \xff",
        b"a:\xff",
        b"\x80\x81",
        b"a: b \x1b[0m",
    ] {
        assert!(parse_line(line).is_err(), "{line:?}");
    }
}

#[test]
fn error_messages() {
    let cases = [
        (Error::LineTooLong, "line longer than 4096 bytes"),
        (Error::MissingColon, "missing ':' after the consumer name"),
        (Error::BadChar(7), "bad character 0x07 in a module name"),
        (Error::BadChar(0xff), "bad character 0xff in a module name"),
        (Error::NameTooLong, "module name longer than 55 bytes"),
        (Error::EmptyName, "empty module name"),
        (Error::EmptyOptional, "'?' without a module name"),
        (Error::TooManyDeps, "more than 64 dependencies on one line"),
        (Error::SelfDependency(name("x")), "x depends on itself"),
        (Error::TooManyEntries, "too many entries (limit 1000000)"),
        (
            Error::ScratchTooSmall,
            "scratch buffer shorter than the list",
        ),
        (
            Error::IniSection,
            "an INI section header, not a dependency line: this looks like the \
             configuration of Debian's readahead daemon (package preload)",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
    }
    // It works as a std error too.
    let boxed: Box<dyn std::error::Error> = Box::new(Error::EmptyName);
    assert_eq!(boxed.to_string(), "empty module name");
}

#[test]
fn deps_iterator_is_restartable_and_debuggable() {
    let Ok(Line::Entry { deps, .. }) = parse_line(b"a: b ?c") else {
        panic!()
    };
    assert_eq!(deps.clone().count(), 2);
    assert_eq!(
        format!("{deps:?}"),
        "[Dep { name: \"b\", optional: false }, Dep { name: \"c\", optional: true }]"
    );
    assert_eq!(deps.count(), 2);
}

#[test]
fn edges_are_numbered_in_written_order() {
    let mut seq = 10;
    let mut got = Vec::new();
    parse_line(b"a: b ?c")
        .unwrap()
        .for_each_edge(&mut seq, |e| {
            got.push(e);
            Ok::<(), Error>(())
        })
        .unwrap();
    assert_eq!(seq, 12);
    assert_eq!(
        got,
        [
            Edge {
                consumer: name("a"),
                dep: name("b"),
                optional: false,
                seq: 10
            },
            Edge {
                consumer: name("a"),
                dep: name("c"),
                optional: true,
                seq: 11
            },
        ]
    );
    // Running out of numbers is an error, not a wrap.
    let mut seq = u32::MAX - 1;
    let mut count = 0;
    let result = parse_line(b"a: b c d")
        .unwrap()
        .for_each_edge(&mut seq, |_| {
            count += 1;
            Ok::<(), Error>(())
        });
    assert_eq!(result, Err(Error::TooManyEntries));
    assert_eq!(count, 1);
    // An error from `push` stops the walk.
    let mut seq = 0;
    let result = parse_line(b"a: b c d")
        .unwrap()
        .for_each_edge(&mut seq, |_| Err(Error::TooManyEntries));
    assert_eq!(result, Err(Error::TooManyEntries));
    assert_eq!(seq, 1);
}

#[test]
fn text_errors_carry_line_numbers() {
    assert_eq!(parse("a: b\n\n# c\nd e\n"), Err((4, Error::MissingColon)));
    assert_eq!(
        parse("a: b\nb: b"),
        Err((2, Error::SelfDependency(name("b"))))
    );
    assert_eq!(parse("\r\n\r\nx: ?\r\n"), Err((3, Error::EmptyOptional)));
    let long = format!("a: b\n{}\n", "#".repeat(LINE_MAX + 1));
    assert_eq!(parse(&long), Err((2, Error::LineTooLong)));
}

#[test]
fn text_parsing() {
    let raw = parse_raw(b"# list\r\na: b ?c\r\n\r\nb:\r\nc: d").unwrap();
    let got: Vec<(&str, &str, bool, u32)> = raw
        .iter()
        .map(|e| (e.consumer.as_str(), e.dep.as_str(), e.optional, e.seq))
        .collect();
    assert_eq!(
        got,
        [
            ("a", "b", false, 0),
            ("a", "c", true, 1),
            ("c", "d", false, 2)
        ]
    );
    assert_eq!(parse_raw(b"").unwrap(), []);
    assert_eq!(parse_raw(b"\n\n\n").unwrap(), []);
}

#[test]
fn limits_are_as_documented() {
    assert_eq!(
        (NAME_MAX, LINE_MAX, DEPS_PER_LINE_MAX, ENTRIES_MAX),
        (55, 4096, 64, 1_000_000)
    );
    // A name is stored in 56 bytes.
    assert_eq!(std::mem::size_of::<Name>(), 56);
}

#[test]
fn ini_file_is_named() {
    // Debian's readahead daemon, also named preload, keeps an INI file at
    // /etc/preload.conf: its section headers get an error that says so.
    assert_eq!(err(b"[model]"), Error::IniSection);
    assert_eq!(err(b"  [system] "), Error::IniSection);
    assert_eq!(check_line_start(b"["), Err(Error::IniSection));
    // Its key = value lines stay the errors they were.
    assert_eq!(err(b"cycle = 20"), Error::MissingColon);
    let text = b"# preload.conf\n[model]\ncycle = 20\n";
    let mut seq = 0;
    let result = parse_text::<Error>(text, &mut seq, |_| Ok(()));
    assert_eq!(result, Err((2, Error::IniSection)));
}
