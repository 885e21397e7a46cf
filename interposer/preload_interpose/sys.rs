// SPDX-License-Identifier: GPL-2.0

//! The macros of `preload_interpose` (see its documentation): each expands
//! to unsafe code (exported C symbols, `.modinfo` sections, `unsafe`
//! blocks), so they live in this module's one room for it; the crate
//! invokes them in its own `sys.rs`.

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
            static MODINFO: [u8; TAG.len()] = $crate::preload_interpose::modinfo_bytes(TAG);
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
        $($crate::preload_interpose::preload_lifecycle!(@$kind $handler);)*
    };
    (@start $handler:path) => {
        #[no_mangle]
        extern "C" fn preload_start() -> core::ffi::c_int {
            $crate::preload_interpose::errno($handler())
        }
        $crate::preload_interpose::preload_lifecycle!(@address preload_start: extern "C" fn() -> core::ffi::c_int);
    };
    (@quiesce $handler:path) => {
        #[no_mangle]
        extern "C" fn preload_quiesce() -> core::ffi::c_int {
            $crate::preload_interpose::errno($handler())
        }
        $crate::preload_interpose::preload_lifecycle!(@address preload_quiesce: extern "C" fn() -> core::ffi::c_int);
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
        $crate::preload_interpose::preload_lifecycle!(@address preload_state_export: unsafe extern "C" fn(*mut u8, usize) -> isize);
    };
    (@import $handler:path) => {
        /// # Safety
        ///
        /// preload passes a buffer readable for `len` bytes.
        #[no_mangle]
        unsafe extern "C" fn preload_state_import(buf: *const u8, len: usize) -> core::ffi::c_int {
            // SAFETY: Guaranteed by the caller.
            let buf = unsafe { core::slice::from_raw_parts(buf, len) };
            $crate::preload_interpose::errno($handler(buf))
        }
        $crate::preload_interpose::preload_lifecycle!(@address preload_state_import: unsafe extern "C" fn(*const u8, usize) -> core::ffi::c_int);
    };
    (@address $entry:ident: $type:ty) => {
        const _: () = {
            #[used(compiler)]
            static ADDRESS: $type = $entry;
        };
    };
}
pub(crate) use preload_lifecycle;
