//! The stable list: the symbols a distribution promises not to change, one
//! a line, like RHEL's `kabi_stablelist_x86_64`.
//!
//! ```text
//! # comment lines and blank lines are ignored
//! [rhel9_x86_64_stablelist]      a section header, ignored
//!         _printk                 a symbol (leading whitespace is fine)
//! ```

use crate::error::{Error, Exit};
use preload_deps::interpose::is_symbol;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// How a used symbol stands against the stable list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The list has it.
    Stable,
    /// A list was given and does not have it.
    Unstable,
    /// No list was given.
    Unknown,
}

impl Class {
    /// The class's name in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Stable => "stable",
            Class::Unstable => "unstable",
            Class::Unknown => "unknown",
        }
    }
}

/// A parsed stable list.
#[derive(Debug, Default, Clone)]
pub struct StableList(BTreeSet<String>);

impl StableList {
    /// Parses the text of a stable list; on failure returns every bad line
    /// as `(line, reason)`.
    pub fn parse(text: &str) -> Result<StableList, Vec<(usize, String)>> {
        let mut symbols = BTreeSet::new();
        let mut errors = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() || (line.starts_with('[') && line.ends_with(']')) {
                continue;
            }
            if is_symbol(line.as_bytes()) {
                symbols.insert(line.to_owned());
            } else {
                errors.push((index + 1, format!("not a symbol name: {line:?}")));
            }
        }
        if errors.is_empty() {
            Ok(StableList(symbols))
        } else {
            Err(errors)
        }
    }

    /// Reads and parses the list at `path`; bad lines are `file:line: reason`.
    pub fn read(path: &Path) -> Result<StableList, Error> {
        let text = fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, &e))?;
        StableList::parse(&text).map_err(|errors| {
            let details = errors
                .iter()
                .map(|(line, why)| format!("{}:{line}: {why}", path.display()))
                .collect();
            Error::with_details(Exit::Invalid, "the stable list is invalid", details)
        })
    }

    /// Whether the list has `symbol`.
    pub fn contains(&self, symbol: &str) -> bool {
        self.0.contains(symbol)
    }
}

/// Classifies `symbol` against an optional list.
pub fn classify(list: Option<&StableList>, symbol: &str) -> Class {
    match list {
        Some(list) if list.contains(symbol) => Class::Stable,
        Some(_) => Class::Unstable,
        None => Class::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rhel_style_lists_parse() {
        let list = StableList::parse(
            "# kABI\n[rhel9_x86_64_stablelist]\n\t_printk\n\nkfree  # trailing\n",
        )
        .unwrap();
        assert_eq!(classify(Some(&list), "_printk"), Class::Stable);
        assert_eq!(classify(Some(&list), "kfree"), Class::Stable);
        assert_eq!(classify(Some(&list), "kmalloc"), Class::Unstable);
        assert_eq!(classify(None, "kmalloc"), Class::Unknown);
    }

    #[test]
    fn bad_lines_are_all_reported() {
        let errors = StableList::parse("ok\n1bad\nfine\ntwo words\n").unwrap_err();
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 4]);
    }
}
