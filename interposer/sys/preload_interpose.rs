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
//! Every macro here expands to what the `unsafe_code` lint flags (exported
//! C symbols, `.modinfo` sections, `unsafe` blocks), so the file belongs to
//! the crate's `sys` module, the one its `#![deny(unsafe_code)]` allows that
//! in: declare it in `sys.rs`
//! (`#[path = "sys/preload_interpose.rs"] mod preload_interpose;`) and
//! invoke the macros there.

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
            static MODINFO: [u8; TAG.len()] = $crate::sys::preload_interpose::modinfo_bytes(TAG);
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
    ($original:ident => $replacement:ident($($arg:ident: $type:ty),* $(,)?) -> $ret:ty = $body:path) => {
        const _: () = {
            // Both fit the signature, and the original is imported.
            #[used(compiler)]
            static FUNCTIONS: [unsafe extern "C" fn($($type),*) -> $ret; 2] = [$original, $replacement];
            const TAG: &str = concat!(
                "interpose=",
                stringify!($original),
                ":",
                stringify!($replacement),
                "\0"
            );
            #[link_section = ".modinfo"]
            #[used(compiler)]
            static MODINFO: [u8; TAG.len()] = $crate::sys::preload_interpose::modinfo_bytes(TAG);
        };

        #[no_mangle]
        extern "C" fn $replacement($($arg: $type),*) -> $ret {
            $body($($arg),*)
        }
    };
}
pub(crate) use preload_interpose;

/// Declares the module's lifecycle handlers, each optional, which preload
/// calls after checking the transition (see its `lifecycle.rs`):
///
/// ```ignore
/// preload_lifecycle! {
///     start: crate::start,        // fn() -> Result: begin serving
///     quiesce: crate::quiesce,    // fn() -> Result: stop taking new work
///     export: crate::export,      // fn(&mut [u8]) -> Result<usize>: state for the successor
///     import: crate::import,      // fn(&[u8]) -> Result: the predecessor's state
/// }
/// ```
///
/// Invoke it in `sys.rs`: the handlers' C entry points take raw pointers.
/// Each entry point has the C type `preload_interpose.h` gives it, which
/// preload calls it through (a kCFI kernel checks it), and its address is
/// taken, so that an IBT kernel keeps its ENDBR (see `PRELOAD_HANDLER()`).
macro_rules! preload_lifecycle {
    ($($kind:ident: $handler:path),* $(,)?) => {
        $($crate::sys::preload_interpose::preload_lifecycle!(@$kind $handler);)*
    };
    (@start $handler:path) => {
        #[no_mangle]
        extern "C" fn preload_start() -> core::ffi::c_int {
            $crate::sys::preload_interpose::errno($handler())
        }
        $crate::sys::preload_interpose::preload_lifecycle!(@address preload_start: extern "C" fn() -> core::ffi::c_int);
    };
    (@quiesce $handler:path) => {
        #[no_mangle]
        extern "C" fn preload_quiesce() -> core::ffi::c_int {
            $crate::sys::preload_interpose::errno($handler())
        }
        $crate::sys::preload_interpose::preload_lifecycle!(@address preload_quiesce: extern "C" fn() -> core::ffi::c_int);
    };
    (@export $handler:path) => {
        /// # Safety
        ///
        /// preload passes a buffer writable for `len` bytes.
        #[no_mangle]
        unsafe extern "C" fn preload_state_export(buf: *mut u8, len: usize) -> isize {
            // SAFETY: Guaranteed by the caller.
            let buf = unsafe { core::slice::from_raw_parts_mut(buf, len) };
            match $handler(buf) {
                Ok(written) => written as isize,
                Err(e) => e.to_errno() as isize,
            }
        }
        $crate::sys::preload_interpose::preload_lifecycle!(@address preload_state_export: unsafe extern "C" fn(*mut u8, usize) -> isize);
    };
    (@import $handler:path) => {
        /// # Safety
        ///
        /// preload passes a buffer readable for `len` bytes.
        #[no_mangle]
        unsafe extern "C" fn preload_state_import(buf: *const u8, len: usize) -> core::ffi::c_int {
            // SAFETY: Guaranteed by the caller.
            let buf = unsafe { core::slice::from_raw_parts(buf, len) };
            $crate::sys::preload_interpose::errno($handler(buf))
        }
        $crate::sys::preload_interpose::preload_lifecycle!(@address preload_state_import: unsafe extern "C" fn(*const u8, usize) -> core::ffi::c_int);
    };
    (@address $entry:ident: $type:ty) => {
        const _: () = {
            #[used(compiler)]
            static ADDRESS: $type = $entry;
        };
    };
}
pub(crate) use preload_lifecycle;

/// A handler's result as C sees it: 0 or a negative errno.
pub(crate) fn errno(result: kernel::error::Result) -> core::ffi::c_int {
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
