//! Tests of interposer declarations in `.modinfo`.

use preload_deps::interpose::*;

/// A `.modinfo` section as the kernel's build lays it out.
fn section(entries: &[&str]) -> Vec<u8> {
    let mut s = Vec::new();
    for e in entries {
        s.extend_from_slice(e.as_bytes());
        s.extend_from_slice(b"\0\0");
    }
    s
}

#[test]
fn values_of_one_key_only() {
    let s = section(&[
        "license=GPL",
        "interpose=a:b",
        "interposer=x",
        "interpose=c:d",
        "interposable=e",
    ]);
    let values: Vec<_> = modinfo_values(&s, INTERPOSE_KEY).collect();
    assert_eq!(values, [&b"a:b"[..], b"c:d"]);
}

#[test]
fn no_values_in_an_empty_or_unterminated_section() {
    assert_eq!(modinfo_values(b"", INTERPOSE_KEY).count(), 0);
    assert_eq!(modinfo_values(b"interpose", INTERPOSE_KEY).count(), 0);
    assert_eq!(modinfo_values(b"interpose=a:b", INTERPOSE_KEY).count(), 1);
}

#[test]
fn redefinition_parses() {
    let r = parse_redefinition(b"_printk:interposer_printk").unwrap();
    assert_eq!(r.original, b"_printk");
    assert_eq!(r.replacement, b"interposer_printk");
}

#[test]
fn malformed_redefinitions_are_refused() {
    assert_eq!(parse_redefinition(b"_printk"), Err(DeclError::NoColon));
    assert_eq!(parse_redefinition(b":x"), Err(DeclError::BadSymbol));
    assert_eq!(parse_redefinition(b"x:"), Err(DeclError::BadSymbol));
    assert_eq!(parse_redefinition(b"a b:c"), Err(DeclError::BadSymbol));
    assert_eq!(parse_redefinition(b"a:b:c"), Err(DeclError::BadSymbol));
    assert_eq!(parse_redefinition(b"1a:b"), Err(DeclError::BadSymbol));
    assert_eq!(parse_redefinition(b"same:same"), Err(DeclError::SameSymbol));
}

#[test]
fn symbol_length_limit() {
    let longest = "s".repeat(SYMBOL_MAX);
    assert!(is_symbol(longest.as_bytes()));
    assert!(!is_symbol(format!("{longest}s").as_bytes()));
    assert!(is_symbol(b"__pfx_foo.cold$1"));
}

#[test]
fn flags_are_words_of_any_interposable_entry() {
    let s = section(&[
        "interposable=_printk, sample_lib_compute",
        "interposable=other\tmore",
    ]);
    for flagged in ["_printk", "sample_lib_compute", "other", "more"] {
        assert!(flags_symbol(&s, flagged.as_bytes()), "{flagged}");
    }
    for not_flagged in ["printk", "sample_lib", "", "interposable"] {
        assert!(!flags_symbol(&s, not_flagged.as_bytes()), "{not_flagged:?}");
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut x: u32 = 0x1234_5678;
    for _ in 0..20_000 {
        let mut bytes = Vec::new();
        for _ in 0..(x % 40) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            bytes.push(b"ab:_= \0,1$.\xff"[(x % 12) as usize]);
        }
        let _ = parse_redefinition(&bytes);
        let _ = modinfo_values(&bytes, INTERPOSE_KEY).count();
        let _ = flags_symbol(&bytes, b"a");
    }
}

#[test]
fn versions_compare_part_by_part() {
    assert_eq!(version_newer(b"2", b"1"), Some(true));
    assert_eq!(version_newer(b"1.10", b"1.9"), Some(true));
    assert_eq!(version_newer(b"1.0.1", b"1"), Some(true));
    assert_eq!(version_newer(b"1", b"1.0"), Some(false));
    assert_eq!(version_newer(b"1.0", b"1.0"), Some(false));
    assert_eq!(version_newer(b"1.9", b"1.10"), Some(false));
}

#[test]
fn versions_that_are_not_dotted_numbers_do_not_compare() {
    for bad in [
        &b""[..],
        b"1.",
        b".1",
        b"1..2",
        b"v1",
        b"1.0-rc1",
        b"1234567890",
    ] {
        assert_eq!(version_newer(bad, b"1"), None, "{bad:?}");
        assert_eq!(version_newer(b"1", bad), None, "{bad:?}");
    }
}
