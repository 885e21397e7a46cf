// SPDX-License-Identifier: GPL-2.0

//! The type check of an interposer's declarations at its load: where BTF
//! describes both, a replacement must have its original's type, compared as
//! the canonical strings of `deps/src/btf.rs` (the reader `preloadctl abi`
//! records types with), or the interposer is refused. This backs the
//! compile-time check of `PRELOAD_INTERPOSE()` for interposers that did not
//! use it or were built against other headers.
//!
//! The original's type comes from `/sys/kernel/btf/MODULE` (split on
//! `vmlinux`'s) for a module the interposer depends on, else from
//! `/sys/kernel/btf/vmlinux`; the replacement's from the image's `.BTF`, on
//! its distilled `.BTF.base` if it has one, else on `vmlinux`'s. Without
//! `/sys/kernel/btf/vmlinux` (no `CONFIG_DEBUG_INFO_BTF`) nothing is
//! checked. Rust functions have no BTF (pahole skips Rust units).

use crate::btf::{self, Btf};
use crate::deps::Name;
use crate::interpose::refuse_interposer;
use crate::interpose_decl::{self as decl, Redefinition};
use crate::sys::{FileContents, LoadingImage};
use crate::table::TextBuf;
use core::fmt::{self, Write};
use kernel::prelude::*;

/// The largest BTF file read (Debian's `vmlinux` BTF is 5.5 MB).
const BTF_MAX: usize = 64 << 20;

/// Where the kernel shows its BTF.
const SYS_BTF: &str = "/sys/kernel/btf/";

/// Refuses `module` if the type of a replacement it declares differs from
/// its original's; logs which ones could not be compared, once.
pub(crate) fn check(module: &Name, image: &LoadingImage, modinfo: &[u8]) -> Result {
    let declared = || {
        decl::modinfo_values(modinfo, decl::INTERPOSE_KEY)
            .filter_map(|value| Some((value, decl::parse_redefinition(value).ok()?)))
    };
    if declared().next().is_none() {
        return Ok(());
    }
    let name = module.as_str();
    let vmlinux = match read(c"/sys/kernel/btf/vmlinux") {
        Ok(file) => file,
        Err(e) if e == ENOENT => return Ok(()),
        Err(e) => {
            pr_warn!("{name}: cannot read /sys/kernel/btf/vmlinux (error {}); its replacements' types are not checked\n", e.to_errno());
            return Ok(());
        }
    };
    let mut index = KVVec::new();
    let vmlinux = match indexed(vmlinux.bytes(), None, &mut index) {
        Ok(btf) => btf,
        Err(why) => {
            pr_warn!(
                "{name}: /sys/kernel/btf/vmlinux: {why}; its replacements' types are not checked\n"
            );
            return Ok(());
        }
    };
    // The interposer's own BTF, on its distilled base if it has one.
    let (base, own) = (image.section(c".BTF.base"), image.section(c".BTF"));
    let mut base_index = KVVec::new();
    let base = (!base.is_empty()).then(|| indexed(base, None, &mut base_index));
    let own = match base {
        _ if own.is_empty() => Ok(None),
        None => Btf::parse(own, Some(&vmlinux))
            .map(Some)
            .map_err(Unreadable::Btf),
        Some(Err(why)) => Err(why),
        Some(Ok(ref base)) => Btf::parse(own, Some(base))
            .map(Some)
            .map_err(Unreadable::Btf),
    };
    let own = own.unwrap_or_else(|why| {
        pr_warn!("{name}: its .BTF: {why}; taken as none\n");
        None
    });
    let deps = decl::modinfo_values(modinfo, b"depends")
        .next()
        .unwrap_or(b"");
    let mut unchecked = TextBuf(KVec::new());
    let mut same = 0;
    for (value, redefinition) in declared() {
        let Some(ours) = own
            .as_ref()
            .and_then(|own| function(own, redefinition.replacement))
        else {
            note(&mut unchecked, "replacement", redefinition.replacement)?;
            continue;
        };
        match original(&vmlinux, deps, redefinition.original) {
            Some(theirs) => {
                compare(module, value, &redefinition, &ours, &theirs)?;
                same += 1;
            }
            None => note(&mut unchecked, "original", redefinition.original)?,
        }
    }
    if !unchecked.0.is_empty() {
        let unchecked = core::str::from_utf8(&unchecked.0).unwrap_or("?");
        pr_info!("{name}: types checked against BTF: {same} match; not compared, no BTF for: {unchecked} (Rust functions and modules built without BTF have none)\n");
    }
    Ok(())
}

/// The type of the function `name` among `btf`'s own types, rendered.
fn function(btf: &Btf<'_>, name: &[u8]) -> Option<TextBuf> {
    let name = core::str::from_utf8(name).ok()?;
    let id = btf.find(name).filter(|&id| btf.owns(id))?;
    let mut text = TextBuf(KVec::new());
    write!(text, "{}", btf.type_of_id(id)).ok()?;
    Some(text)
}

/// The rendered type of the function `name`: of a module in `deps` (the
/// modules the interposer depends on), else of `vmlinux`.
fn original(vmlinux: &Btf<'_>, deps: &[u8], name: &[u8]) -> Option<TextBuf> {
    // Only module names make a path under /sys/kernel/btf.
    let names = deps.split(|&b| b == b',').filter_map(|d| Name::new(d).ok());
    for dep in names {
        let mut path = TextBuf(KVec::new());
        write!(path, "{SYS_BTF}{}\0", dep.as_str()).ok()?;
        let Ok(file) = CStr::from_bytes_with_nul(&path.0)
            .map_err(|_| ENOENT)
            .and_then(read)
        else {
            continue;
        };
        let Ok(btf) = Btf::parse(file.bytes(), Some(vmlinux)) else {
            continue;
        };
        if let Some(theirs) = function(&btf, name) {
            return Some(theirs);
        }
    }
    function(vmlinux, name)
}

/// Refuses the interposer if `ours` is not `theirs`.
fn compare(
    module: &Name,
    value: &[u8],
    redefinition: &Redefinition<'_>,
    ours: &TextBuf,
    theirs: &TextBuf,
) -> Result {
    if ours.0 == theirs.0 {
        return Ok(());
    }
    let mut why = TextBuf(KVec::new());
    write!(
        why,
        "replacement {} has type {} but {} has type {}",
        text(redefinition.replacement),
        text(&ours.0),
        text(redefinition.original),
        text(&theirs.0)
    )
    .map_err(|_| ENOMEM)?;
    Err(refuse_interposer(module, value, text(&why.0)))
}

/// Adds `role name` to the comma-separated list in `list`.
fn note(list: &mut TextBuf, role: &str, name: &[u8]) -> Result {
    let comma = if list.0.is_empty() { "" } else { ", " };
    write!(list, "{comma}{role} {}", text(name)).map_err(|_| ENOMEM)
}

/// Reads a BTF file of `/sys/kernel/btf`, as the initial namespace sees it.
pub(crate) fn read(path: &CStr) -> Result<FileContents> {
    FileContents::read_initial(path, BTF_MAX)
}

/// `data` parsed on `base`, with an index of its types in `index`.
fn indexed<'a>(
    data: &'a [u8],
    base: Option<&'a Btf<'a>>,
    index: &'a mut KVVec<u32>,
) -> Result<Btf<'a>, Unreadable> {
    let btf = Btf::parse(data, base).map_err(Unreadable::Btf)?;
    index
        .resize(btf.len(), 0, GFP_KERNEL)
        .map_err(|_| Unreadable::NoMemory)?;
    btf.fill_index(index).map_err(Unreadable::Btf)?;
    Btf::parse_indexed(data, base, index).map_err(Unreadable::Btf)
}

/// Why BTF could not be used.
pub(crate) enum Unreadable {
    Btf(btf::Error),
    NoMemory,
}

impl kernel::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unreadable::Btf(e) => fmt::Display::fmt(e, f),
            Unreadable::NoMemory => f.write_str("out of memory for its index"),
        }
    }
}

/// Names and types for log lines.
fn text(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or("?")
}
