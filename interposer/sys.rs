// SPDX-License-Identifier: GPL-2.0

//! The one room for `unsafe`: the C functions the interposer calls and the
//! C-ABI entry points of its Rust replacements and handlers, with their
//! declarations.

use crate::preload_interpose::{preload_interpose, preload_lifecycle};
use core::ffi::{c_int, c_long};

mod ffi {
    use super::*;

    extern "C" {
        pub(super) fn sample_lib_compute(x: c_int) -> c_int;
        fn sample_lib_step(x: c_long) -> c_long;
        pub(super) fn sample_lib_wait(ms: c_long) -> c_long;
    }
    preload_interpose!(sample_lib_compute => interposer_compute(x: c_int) -> c_int = crate::compute);
    preload_interpose!(sample_lib_step => interposer_step(x: c_long) -> c_long = crate::step);
    preload_interpose!(sample_lib_wait => interposer_wait(ms: c_long) -> c_long = crate::wait);
}

preload_lifecycle! {
    export: crate::sample_state::export,
    import: crate::sample_state::import,
}

/// For the `calls` parameter (`interposer_glue.c`).
#[no_mangle]
extern "C" fn interposer_calls() -> u64 {
    crate::sample_state::calls()
}

/// The original `sample_lib_compute` ("call next").
pub(crate) fn sample_lib_compute(x: i32) -> i32 {
    // SAFETY: A plain C function without preconditions.
    unsafe { ffi::sample_lib_compute(x) }
}

/// The original `sample_lib_wait`: sleeps `ms` milliseconds.
pub(crate) fn sample_lib_wait(ms: i64) -> i64 {
    // SAFETY: A plain C function without preconditions; it sleeps, and
    // replacements run where their callers may sleep.
    unsafe { ffi::sample_lib_wait(ms) }
}
