// SPDX-License-Identifier: GPL-2.0

//! The one room for `unsafe`: the C functions the interposer calls and the
//! C-ABI entry points of its Rust replacements, with their declarations.

use crate::preload_interpose::preload_interpose;
use core::ffi::{c_int, c_long};

mod ffi {
    use super::*;

    extern "C" {
        pub(super) fn sample_lib_compute(x: c_int) -> c_int;
        fn sample_lib_step(x: c_long) -> c_long;
    }
    preload_interpose!(sample_lib_compute => interposer_compute: unsafe extern "C" fn(c_int) -> c_int);
    preload_interpose!(sample_lib_step => interposer_step: unsafe extern "C" fn(c_long) -> c_long);

    /// Replaces `sample_lib_compute`.
    #[no_mangle]
    extern "C" fn interposer_compute(x: c_int) -> c_int {
        crate::compute(x)
    }

    /// Replaces `sample_lib_step`.
    #[no_mangle]
    extern "C" fn interposer_step(x: c_long) -> c_long {
        crate::step(x)
    }
}

/// The original `sample_lib_compute` ("call next").
pub(crate) fn sample_lib_compute(x: i32) -> i32 {
    // SAFETY: A plain C function without preconditions.
    unsafe { ffi::sample_lib_compute(x) }
}
