//! The difference between two lists, one line per consumer that changes,
//! as the dry runs print it.

use crate::config;
use crate::error::Error;
use preload_deps::{write_entry, List};
use std::cmp::Ordering;
use std::path::Path;

/// Prints the changes from `old` to `new`, or `no changes`.
pub fn print(old: &List<'_>, new: &List<'_>) {
    let changes = diff(old, new);
    if changes.is_empty() {
        println!("no changes");
    }
    for change in changes {
        println!("{change}");
    }
}

/// Prints the changes from the list `old` to the list `new`, both in the
/// grammar (`old_name` and `new_name` name them if one does not parse).
pub fn print_texts(old_name: &Path, old: &str, new_name: &Path, new: &str) -> Result<(), Error> {
    let old = config::parse(old_name, old.as_bytes()).into_valid()?;
    let new = config::parse(new_name, new.as_bytes()).into_valid()?;
    print(&old.list(), &new.list());
    Ok(())
}

/// Returns the changes from `old` to `new` as `-line` and `+line`, one pair
/// (or one of them) per consumer whose line differs, in consumer order.
pub fn diff(old: &List<'_>, new: &List<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut old = old.consumers().peekable();
    let mut new = new.consumers().peekable();
    loop {
        let order = match (old.peek(), new.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((a, _)), Some((b, _))) => a.cmp(b),
        };
        let removed = if order == Ordering::Greater {
            None
        } else {
            old.next()
        };
        let added = if order == Ordering::Less {
            None
        } else {
            new.next()
        };
        let removed = removed.map(|(consumer, deps)| line(&consumer, deps));
        let added = added.map(|(consumer, deps)| line(&consumer, deps));
        if removed != added {
            out.extend(removed.map(|l| format!("-{l}")));
            out.extend(added.map(|l| format!("+{l}")));
        }
    }
    out
}

fn line(consumer: &preload_deps::Name, deps: &[preload_deps::Edge]) -> String {
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = write_entry(consumer, deps, &mut text);
    text.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;
    use std::path::Path;

    fn changes(old: &str, new: &str) -> Vec<String> {
        let old = parse(Path::new("old"), old.as_bytes())
            .into_valid()
            .unwrap();
        let new = parse(Path::new("new"), new.as_bytes())
            .into_valid()
            .unwrap();
        diff(&old.list(), &new.list())
    }

    #[test]
    fn same_lists_have_no_changes() {
        assert!(changes("a: b\nc: d\n", "c: d\na: b").is_empty());
        assert!(changes("", "").is_empty());
    }

    #[test]
    fn added_removed_and_changed_consumers() {
        assert_eq!(
            changes("a: b\nc: d\ne: f\n", "b: x\nc: d ?y\ne: f\n"),
            ["-a: b", "+b: x", "-c: d", "+c: d ?y"]
        );
        assert_eq!(changes("", "a: b"), ["+a: b"]);
        assert_eq!(changes("a: b", ""), ["-a: b"]);
    }

    #[test]
    fn dependency_order_matters() {
        assert_eq!(changes("a: b c", "a: c b"), ["-a: b c", "+a: c b"]);
    }
}
