// SPDX-License-Identifier: GPL-2.0

//! Interposer declarations, as modules carry them in their `.modinfo`
//! section (`modinfo` shows them):
//!
//! ```text
//! interpose=ORIGINAL:REPLACEMENT    the module is an interposer: it redefines
//!                                   the exported symbol ORIGINAL with its own
//!                                   function REPLACEMENT
//! interposable=SYMBOL [SYMBOL...]   the module accepts alternative definitions
//!                                   of these symbols (read in strict mode)
//! ```
//!
//! Shared as source with the kernel module, like `deps.rs`: only `core`, no
//! allocation, no panic on any input.

use core::fmt;

/// The longest symbol name the kernel handles (`KSYM_NAME_LEN` - 1).
pub const SYMBOL_MAX: usize = 511;

/// The modinfo key of an interposer's declarations.
pub const INTERPOSE_KEY: &[u8] = b"interpose";

/// The modinfo key of a consumer's "may have multiple definitions" flags.
pub const INTERPOSABLE_KEY: &[u8] = b"interposable";

/// The modinfo key by which an interposer lets its consumers' bindings be
/// swapped to another interposer (value `yes`).
pub const SWAPPABLE_KEY: &[u8] = b"interpose_swappable";

/// Compares two modinfo `version` strings made of dot-separated decimal
/// numbers (`1`, `2.0`, `2.10.1`; missing parts count as 0): whether `new`
/// is newer than `old`, or `None` if either is not such a string.
pub fn version_newer(new: &[u8], old: &[u8]) -> Option<bool> {
    let (mut new_parts, mut old_parts) = (new.split(|&b| b == b'.'), old.split(|&b| b == b'.'));
    loop {
        match (new_parts.next(), old_parts.next()) {
            (None, None) => return Some(false),
            (n, o) => {
                let (n, o) = (version_part(n)?, version_part(o)?);
                if n != o {
                    return Some(n > o);
                }
            }
        }
    }
}

/// One part of a version: a decimal number of up to 9 digits; absent is 0.
fn version_part(part: Option<&[u8]>) -> Option<u32> {
    let Some(part) = part else { return Some(0) };
    if part.is_empty() || part.len() > 9 || !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(part.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')))
}

/// The values of every `key=value` entry for `key` in a `.modinfo` section,
/// which is a run of NUL-terminated strings (with NUL padding between).
pub fn modinfo_values<'a>(section: &'a [u8], key: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
    section.split(|&b| b == 0).filter_map(move |entry| {
        let value = entry.strip_prefix(key)?;
        value.strip_prefix(b"=")
    })
}

/// One `interpose=ORIGINAL:REPLACEMENT` declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redefinition<'a> {
    /// The exported symbol that is redefined.
    pub original: &'a [u8],
    /// The interposer's function that consumers bind to instead.
    pub replacement: &'a [u8],
}

/// Why a declaration is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclError {
    /// No `:` between the two symbols.
    NoColon,
    /// A side is not a symbol name (empty, too long, or a character outside
    /// `[A-Za-z0-9_.$]`, or starting with a digit).
    BadSymbol,
    /// A symbol cannot replace itself.
    SameSymbol,
}

impl DeclError {
    /// The reason, for messages.
    pub fn reason(&self) -> &'static str {
        match self {
            DeclError::NoColon => "expected ORIGINAL:REPLACEMENT",
            DeclError::BadSymbol => "not a symbol name",
            DeclError::SameSymbol => "a symbol cannot replace itself",
        }
    }
}

impl fmt::Display for DeclError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// Parses the value of an `interpose=` entry.
pub fn parse_redefinition(value: &[u8]) -> Result<Redefinition<'_>, DeclError> {
    let colon = value
        .iter()
        .position(|&b| b == b':')
        .ok_or(DeclError::NoColon)?;
    let (original, replacement) = (&value[..colon], &value[colon + 1..]);
    if !is_symbol(original) || !is_symbol(replacement) {
        return Err(DeclError::BadSymbol);
    }
    if original == replacement {
        return Err(DeclError::SameSymbol);
    }
    Ok(Redefinition {
        original,
        replacement,
    })
}

/// Whether `name` can be a symbol name: 1 to [`SYMBOL_MAX`] bytes of
/// `[A-Za-z0-9_.$]`, not starting with a digit.
pub fn is_symbol(name: &[u8]) -> bool {
    let valid = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'$');
    !name.is_empty()
        && name.len() <= SYMBOL_MAX
        && !name[0].is_ascii_digit()
        && name.iter().all(valid)
}

/// Whether the `interposable=` entries of a `.modinfo` section name `symbol`.
/// Symbols in one entry are separated by spaces, tabs or commas.
pub fn flags_symbol(section: &[u8], symbol: &[u8]) -> bool {
    modinfo_values(section, INTERPOSABLE_KEY).any(|value| {
        value
            .split(|&b| matches!(b, b' ' | b'\t' | b','))
            .any(|word| !word.is_empty() && word == symbol)
    })
}
