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
//! preload_interpose!(sample_lib_compute => interposer_compute: POINTER);
//!
//! #[no_mangle]
//! extern "C" fn interposer_compute(x: c_int) -> c_int { ... }
//! ```
//!
//! redefines the exported C function `sample_lib_compute` with
//! `interposer_compute` for the modules that list this one in preload's
//! dependency list, and for no other. POINTER is the function pointer type
//! of the declared original (the sample's `sys.rs` shows it written out);
//! it must fit the replacement too (checked at compile time). The macro
//! makes the module import the original (so the kernel refuses an
//! interposer whose original nobody exports or that it may not use, and the
//! interposer holds a reference on its owner) and emits the
//! `interpose=original:replacement` tag. The original's declaration and the
//! pointer type are foreign-function matters: they belong in `sys.rs`.
//! Rust cannot see the C declaration, so what is checked is the signature
//! written there; preload compares BTF types where the kernel has them.

/// Emits the `.modinfo` entry `key=value` (both string literals), e.g.
/// `preload_modinfo!("version", "2.0")` (the kernel's `module!` has no
/// version) or `preload_modinfo!("interpose_swappable", "yes")`, which lets
/// preload move this interposer's consumers to another one that redefines
/// the same symbols (see `PRELOAD_SWAPPABLE()` in `preload_interpose.h`).
macro_rules! preload_modinfo {
    ($key:literal, $value:literal) => {
        const _: () = {
            const TAG: &str = concat!($key, "=", $value, "\0");
            #[link_section = ".modinfo"]
            #[used(compiler)]
            static MODINFO: [u8; TAG.len()] = $crate::preload_interpose::modinfo_bytes(TAG);
        };
    };
}
pub(crate) use preload_modinfo;

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

/// See the module documentation.
macro_rules! preload_interpose {
    ($original:ident => $replacement:ident : $pointer:ty) => {
        const _: () = {
            // Both fit the pointer type, and the original is imported.
            #[used(compiler)]
            static FUNCTIONS: [$pointer; 2] = [$original, $replacement];
            const TAG: &str = concat!(
                "interpose=",
                stringify!($original),
                ":",
                stringify!($replacement),
                "\0"
            );
            #[link_section = ".modinfo"]
            #[used(compiler)]
            static MODINFO: [u8; TAG.len()] = $crate::preload_interpose::modinfo_bytes(TAG);
        };
    };
}
pub(crate) use preload_interpose;
