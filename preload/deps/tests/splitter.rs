//! Tests of the line splitter.

mod common;

use common::{split_chunked, XorShift};
use preload_deps::*;

/// Splits `input` fed whole, for comparison with chunked feeding.
fn split_whole(input: &[u8]) -> common::Split {
    split_chunked(input, &[usize::MAX])
}

/// Collects lines without parsing them.
fn raw_lines(chunks: &[&[u8]]) -> Vec<(usize, Vec<u8>)> {
    let mut splitter = LineSplitter::new();
    let mut lines = Vec::new();
    let mut f = |no: usize, line: &[u8]| {
        lines.push((no, line.to_vec()));
        Ok::<(), Error>(())
    };
    for chunk in chunks {
        splitter.feed(chunk, &mut f).unwrap();
    }
    splitter.finish(&mut f).unwrap();
    lines
}

fn owned(lines: &[(usize, &str)]) -> Vec<(usize, Vec<u8>)> {
    lines
        .iter()
        .map(|&(n, l)| (n, l.as_bytes().to_vec()))
        .collect()
}

#[test]
fn lines_are_numbered_from_one() {
    assert_eq!(
        raw_lines(&[b"a: b\n\nc: d\n"]),
        owned(&[(1, "a: b"), (2, ""), (3, "c: d")])
    );
}

#[test]
fn last_line_without_newline() {
    assert_eq!(
        raw_lines(&[b"a: b\nc: d"]),
        owned(&[(1, "a: b"), (2, "c: d")])
    );
    assert_eq!(
        raw_lines(&[b"a: b\nc", b": d"]),
        owned(&[(1, "a: b"), (2, "c: d")])
    );
    assert_eq!(raw_lines(&[]), owned(&[]));
    assert_eq!(raw_lines(&[b"", b""]), owned(&[]));
    assert_eq!(raw_lines(&[b"\n"]), owned(&[(1, "")]));
}

#[test]
fn lines_spanning_chunks() {
    assert_eq!(
        raw_lines(&[b"a", b": ", b"b\nc:", b"", b" d\r", b"\n", b"\ne"]),
        owned(&[(1, "a: b"), (2, "c: d\r"), (3, ""), (4, "e")])
    );
}

#[test]
fn finish_resets_for_new_input() {
    let mut splitter = LineSplitter::default();
    let mut lines = Vec::new();
    let mut f = |no: usize, line: &[u8]| {
        lines.push((no, line.to_vec()));
        Ok::<(), Error>(())
    };
    splitter.feed(b"a\nb", &mut f).unwrap();
    splitter.finish(&mut f).unwrap();
    splitter.feed(b"c\nd", &mut f).unwrap();
    splitter.finish(&mut f).unwrap();
    splitter.finish(&mut f).unwrap();
    assert_eq!(lines, owned(&[(1, "a"), (2, "b"), (1, "c"), (2, "d")]));
}

#[test]
fn callback_errors_stop_with_the_line_number() {
    let mut splitter = LineSplitter::new();
    let mut seen = Vec::new();
    let result = splitter.feed(b"a: b\nc d\ne: f\n", |no, line| {
        seen.push(no);
        parse_line(line).map(|_| ())
    });
    assert_eq!(result, Err((2, Error::MissingColon)));
    assert_eq!(seen, [1, 2]);
}

#[test]
fn custom_error_types_work() {
    #[derive(Debug, PartialEq)]
    enum MyError {
        Parse(Error),
        Full,
    }
    impl From<Error> for MyError {
        fn from(e: Error) -> Self {
            MyError::Parse(e)
        }
    }
    let mut splitter = LineSplitter::new();
    let long = vec![b'x'; LINE_MAX + 1];
    assert_eq!(
        splitter.feed(&long, |_, _| Ok::<(), MyError>(())),
        Err((1, MyError::Parse(Error::LineTooLong)))
    );
    let mut splitter = LineSplitter::new();
    assert_eq!(
        splitter.feed(b"a\nb\n", |no, _| if no == 2 {
            Err(MyError::Full)
        } else {
            Ok(())
        }),
        Err((2, MyError::Full))
    );
}

#[test]
fn longest_line_fits_across_chunks() {
    let line = vec![b'#'; LINE_MAX];
    for split in [0, 1, 100, LINE_MAX - 1, LINE_MAX] {
        let (a, b) = line.split_at(split);
        let lines = raw_lines(&[a, b, b"\n"]);
        assert_eq!(lines, vec![(1, line.clone())], "split at {split}");
        let lines = raw_lines(&[a, b]);
        assert_eq!(
            lines,
            vec![(1, line.clone())],
            "split at {split}, no newline"
        );
    }
}

#[test]
fn too_long_line_is_reported_before_its_newline() {
    // Fed byte by byte, the error comes with byte LINE_MAX + 1.
    let mut splitter = LineSplitter::new();
    let mut f = |_: usize, _: &[u8]| Ok::<(), Error>(());
    splitter.feed(b"ok\n", &mut f).unwrap();
    for _ in 0..LINE_MAX {
        splitter.feed(b"x", &mut f).unwrap();
    }
    assert_eq!(splitter.feed(b"x", &mut f), Err((2, Error::LineTooLong)));

    // In one chunk without a newline, it comes at once.
    let mut splitter = LineSplitter::new();
    let long = vec![b'x'; LINE_MAX + 1];
    assert_eq!(splitter.feed(&long, &mut f), Err((1, Error::LineTooLong)));

    // In one chunk with a newline, the line is never delivered.
    let mut splitter = LineSplitter::new();
    let mut text = long.clone();
    text.extend_from_slice(b"\nnext\n");
    let mut delivered = 0;
    let result = splitter.feed(&text, |_, _| {
        delivered += 1;
        Ok::<(), Error>(())
    });
    assert_eq!(result, Err((1, Error::LineTooLong)));
    assert_eq!(delivered, 0);
}

#[test]
fn unfinished_shows_the_started_line_with_its_number() {
    let mut splitter = LineSplitter::new();
    let mut f = |_: usize, _: &[u8]| Ok::<(), Error>(());
    assert_eq!(splitter.unfinished(), None);
    splitter.feed(b"a: b\nc: ", &mut f).unwrap();
    assert_eq!(splitter.unfinished(), Some((2, &b"c: "[..])));
    splitter.feed(b"d", &mut f).unwrap();
    assert_eq!(splitter.unfinished(), Some((2, &b"c: d"[..])));
    splitter.feed(b"\n", &mut f).unwrap();
    assert_eq!(splitter.unfinished(), None);
    // A line refused as too long is not shown while it is skipped.
    splitter
        .feed(&vec![b'x'; LINE_MAX + 1], &mut f)
        .unwrap_err();
    assert_eq!(splitter.unfinished(), None);
    splitter.feed(b"x\ne", &mut f).unwrap();
    assert_eq!(splitter.unfinished(), Some((4, &b"e"[..])));
}

#[test]
fn too_long_line_is_skipped_if_feeding_goes_on() {
    let mut splitter = LineSplitter::new();
    let mut lines = Vec::new();
    let mut f = |no: usize, line: &[u8]| {
        lines.push((no, line.to_vec()));
        Ok::<(), Error>(())
    };
    splitter.feed(b"a\n", &mut f).unwrap();
    assert_eq!(
        splitter.feed(&vec![b'x'; LINE_MAX + 1], &mut f),
        Err((2, Error::LineTooLong))
    );
    splitter.feed(&vec![b'x'; 10 * LINE_MAX], &mut f).unwrap();
    splitter.feed(b"xx\nb\nc", &mut f).unwrap();
    splitter.finish(&mut f).unwrap();
    assert_eq!(lines, owned(&[(1, "a"), (3, "b"), (4, "c")]));

    // An unterminated too-long last line is not delivered by `finish`.
    let mut splitter = LineSplitter::new();
    let mut count = 0;
    let _ = splitter.feed(&vec![b'x'; LINE_MAX + 1], |_, _| Ok::<(), Error>(()));
    splitter
        .finish(|_, _| {
            count += 1;
            Ok::<(), Error>(())
        })
        .unwrap();
    assert_eq!(count, 0);
}

/// Builds an input with every kind of line, including long and binary ones.
fn sample_input(rng: &mut XorShift) -> Vec<u8> {
    let mut text = Vec::new();
    for i in 0..40 {
        match rng.below(8) {
            0 => text.extend_from_slice(b"# a comment\n"),
            1 => text.extend_from_slice(format!("m{i}: d{i} ?e{i}\r\n").as_bytes()),
            2 => text.extend_from_slice(b"\n"),
            3 => {
                let len = LINE_MAX - 2 + rng.below(5);
                text.push(b'#');
                text.extend(std::iter::repeat_n(b'x', len));
                text.push(b'\n');
            }
            4 => text.extend((0..rng.below(30)).map(|_| rng.next() as u8)),
            _ => text.extend_from_slice(format!("c{i}:\tx y\n").as_bytes()),
        }
    }
    text
}

#[test]
fn chunking_never_changes_the_result() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for round in 0..300 {
        let input = sample_input(&mut rng);
        let whole = split_whole(&input);
        let sizes: Vec<usize> = match round % 4 {
            0 => vec![1],
            1 => vec![LINE_MAX, 1, LINE_MAX + 1],
            _ => (0..16).map(|_| 1 + rng.below(2 * LINE_MAX)).collect(),
        };
        assert_eq!(
            split_chunked(&input, &sizes),
            whole,
            "round {round}, sizes {sizes:?}"
        );
    }
}

#[test]
fn chunking_matches_whole_text_parsing() {
    // The splitter and `parse_text` agree on lines and on the first error.
    let mut rng = XorShift(42);
    for _ in 0..200 {
        let input = sample_input(&mut rng);
        let (_, split_err) = split_chunked(&input, &[1 + rng.below(100)]);
        let text_err = common::parse_raw(&input).err();
        assert_eq!(split_err, text_err);
    }
}
