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
