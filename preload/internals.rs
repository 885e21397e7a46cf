// SPDX-License-Identifier: GPL-2.0

//! The kernel internals preload copies instead of calling, checked against
//! the running kernel before anything is hooked: the check of
//! `module_enforce_rwx_sections()`, which preload's replacement of it does
//! itself (`hooks_glue.c`), and the layout of `struct module_use`, which
//! preload writes to record links (`module_glue.c`). Both are those of
//! Linux 7.3.4 and 7.2.13, which agree on them (their sources, and Debian's
//! BTF of both). What else differs between the two is outside the loader:
//! init's root (`proc_glue.c`, by `LINUX_VERSION_CODE`) and the kernel
//! crate's error names (`loader.rs`). preload refuses to load on a kernel of
//! another version, and
//! on one whose BTF (where it has BTF) describes that function or struct
//! otherwise, naming what differs: a stable update or a distribution patch
//! would otherwise be dropped or misread in silence.

use crate::btf::Btf;
use crate::btf_check::{self, Unreadable};
use crate::sys;
use crate::table::TextBuf;
use core::fmt::Write;
use kernel::prelude::*;

/// The kernel versions whose loader preload's copies were checked against.
#[cfg(not(preload_unverified_build))]
const VERIFIED: &[&str] = &["7.3.4", "7.2.13"];
/// A deliberately mismatched build for the test of the refusal
/// (`preload/refuses-unknown-kernel`): it knows no kernel the tests run.
#[cfg(preload_unverified_build)]
const VERIFIED: &[&str] = &["7.3.0"];

/// `struct module_use` as preload's mirror lays it out.
const MODULE_USE: &str = "struct module_use (48 bytes): struct list_head source_list @0, \
    struct list_head target_list @16, struct module * source @32, struct module * target @40";

/// The type of the function preload replaces.
const ENFORCE_RWX: (&str, &str) = (
    "module_enforce_rwx_sections",
    "int (const Elf64_Ehdr *, const Elf64_Shdr *, const char *, const struct module *)",
);

/// Refuses a kernel whose internals are not those preload was written for.
pub(crate) fn check() -> Result {
    let release = sys::kernel_release();
    let release = release.to_str().unwrap_or("?");
    let Some(version) = VERIFIED.iter().find(|v| is_version(release, v)) else {
        let mut verified = TextBuf(KVec::new());
        for (i, v) in VERIFIED.iter().enumerate() {
            write!(verified, "{}{v}", if i == 0 { "" } else { ", " }).map_err(|_| ENOMEM)?;
        }
        pr_err!(
            "this kernel is {release}; preload's copies of the module loader's internals (module_enforce_rwx_sections(), struct module_use) are those of Linux {}: refusing to load\n",
            core::str::from_utf8(&verified.0).unwrap_or("?")
        );
        return Err(EINVAL);
    };
    let file = match btf_check::read(c"/sys/kernel/btf/vmlinux") {
        Ok(file) => file,
        Err(e) => {
            let why = if e == ENOENT {
                "no BTF"
            } else {
                "its BTF cannot be read"
            };
            pr_info!("kernel internals: Linux {version}, as checked; {why}, so struct module_use and {}() are not compared\n", ENFORCE_RWX.0);
            return Ok(());
        }
    };
    let btf = Btf::parse(file.bytes(), None).map_err(|e| {
        let why = Unreadable::Btf(e);
        pr_err!("/sys/kernel/btf/vmlinux: {why}; cannot check the kernel's struct module_use: refusing to load\n");
        EINVAL
    })?;
    let mut found = TextBuf(KVec::new());
    match btf.struct_layout("module_use") {
        Some(layout) => write!(found, "{layout}").map_err(|_| ENOMEM)?,
        None => found.0.extend_from_slice(b"none", GFP_KERNEL)?,
    }
    same("struct module_use", MODULE_USE, &found)?;
    found.0.clear();
    match btf.type_of(ENFORCE_RWX.0) {
        Some(function) => write!(found, "{function}").map_err(|_| ENOMEM)?,
        None => found.0.extend_from_slice(b"none", GFP_KERNEL)?,
    }
    same(ENFORCE_RWX.0, ENFORCE_RWX.1, &found)?;
    pr_info!("kernel internals: Linux {version}, and BTF describes struct module_use and {}() as preload's copies have them\n", ENFORCE_RWX.0);
    Ok(())
}

/// Whether `release` (`uname -r`) is kernel `version`: it starts with it,
/// followed by no further digit or dot (`7.3.4+deb13-amd64`, `7.3.4`).
fn is_version(release: &str, version: &str) -> bool {
    release
        .strip_prefix(version)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit() || c == '.'))
}

/// Refuses the kernel if `what` is `found`, not `expected`.
fn same(what: &str, expected: &str, found: &TextBuf) -> Result {
    let found = core::str::from_utf8(&found.0).unwrap_or("?");
    if found == expected {
        return Ok(());
    }
    pr_err!("this kernel's {what} differs from preload's copy: BTF has \"{found}\", preload has \"{expected}\": refusing to load\n");
    Err(EINVAL)
}
