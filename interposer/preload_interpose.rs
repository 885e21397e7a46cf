// SPDX-License-Identifier: GPL-2.0

//! Declarations that preload.ko reads from a module's `.modinfo`, for
//! interposers written in Rust: the counterpart of `preload_interpose.h`.
//!
//! In an interposer's `sys.rs`, which declares the original:
//!
//! ```ignore
//! extern "C" {
//!     fn sample_lib_compute(x: c_int) -> c_int;
//! }
//! preload_interpose!(sample_lib_compute => interposer_compute(x: c_int) -> c_int = crate::compute);
//! ```
//!
//! redefines the exported C function `sample_lib_compute` with
//! `interposer_compute`, a C entry point the macro defines, which calls
//! `crate::compute(x)`, for the modules that list this one in preload's
//! dependency list, and for no other. The signature must be the declared
//! original's (checked at compile time). The macro makes the module import
//! the original (so the kernel refuses an interposer whose original nobody
//! exports or that it may not use, and the interposer holds a reference on
//! its owner) and emits the `interpose=original:replacement` tag. The entry
//! point is a plain function that calls the body and nothing else: after a
//! swap, preload tells when no call is left in the module by checking every
//! task's stack (and each CPU's interrupt context) for addresses in its
//! code, so a replacement needs nothing special. The original's declaration
//! and the pointer type are foreign-function matters: they belong in `sys.rs`.
//! Rust cannot see the C declaration, so what is checked is the signature
//! written there; preload compares BTF types where the kernel has them.
//!
//! The macros expand to what the `unsafe_code` lint flags (exported C
//! symbols, `.modinfo` sections, blocks the compiler cannot check), so
//! they are defined in this module's own `sys.rs`
//! (`preload_interpose/sys.rs`) and invoked in
//! the interposer's `sys.rs`, the one module the crate's
//! `#![deny(unsafe_code)]` allows that in. Add the file and its folder to
//! the module as `mod preload_interpose;` at the crate root.

mod sys;

pub(crate) use sys::{preload_interpose, preload_lifecycle, preload_modinfo};

/// The bytes of `text`, as a `.modinfo` entry must be: an array, not a
/// pointer to one.
pub(crate) const fn modinfo_bytes<const N: usize>(text: &str) -> [u8; N] {
    let bytes = text.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// A handler's result as C sees it: 0 or a negative errno.
pub(crate) fn errno(result: kernel::error::Result) -> core::ffi::c_int {
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
