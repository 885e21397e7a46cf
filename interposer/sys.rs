// SPDX-License-Identifier: GPL-2.0

//! The one room for `unsafe`: the C functions the interposer calls and the
//! C-ABI entry points of its Rust replacements and handlers, with their
//! declarations and `.modinfo` tags. Both versions of the sample are built
//! from it; version 2 with `--cfg interposer_v2`.

use crate::preload_interpose::{preload_interpose, preload_lifecycle, preload_modinfo};
use core::ffi::{c_int, c_long};

mod ffi {
    use super::*;

    extern "C" {
        pub(super) fn sample_lib_compute(x: c_int) -> c_int;
        fn sample_lib_step(x: c_long) -> c_long;
        pub(super) fn sample_lib_wait(ms: c_long) -> c_long;
        // interposer_glue.c
        pub(super) fn interposer_count_call();
        pub(super) fn interposer_calls() -> u64;
        pub(super) fn interposer_take_calls() -> u64;
        pub(super) fn interposer_add_calls(calls: u64);
    }
    preload_interpose!(sample_lib_compute => interposer_compute(x: c_int) -> c_int = crate::compute);
    preload_interpose!(sample_lib_step => interposer_step(x: c_long) -> c_long = crate::step);
    preload_interpose!(sample_lib_wait => interposer_wait(ms: c_long) -> c_long = crate::wait);
}

preload_lifecycle! {
    export: crate::sample_state::export,
    import: crate::sample_state::import,
}

#[cfg(not(interposer_v2))]
preload_modinfo!("version", "1.0");
#[cfg(interposer_v2)]
preload_modinfo!("version", "2.0");

// Unlike version 1, version 2 declares start and quiesce handlers: preload
// holds it while it is started, and it must be quiesced before it unloads.
#[cfg(interposer_v2)]
preload_lifecycle! {
    start: crate::start,
    quiesce: crate::quiesce,
}

/// Counts one call the sample answered.
pub(crate) fn count_call() {
    // SAFETY: Increments this CPU's count; no precondition.
    unsafe { ffi::interposer_count_call() }
}

/// The calls answered so far, the predecessors' included.
pub(crate) fn calls() -> u64 {
    // SAFETY: Sums the per-CPU counts; no precondition.
    unsafe { ffi::interposer_calls() }
}

/// The count, zeroed. Only while no call can add to it (quiesced).
pub(crate) fn take_calls() -> u64 {
    // SAFETY: Sums and zeroes the per-CPU counts; the caller (the export
    // handler, which preload calls once the module is quiesced) guarantees
    // that no replacement runs meanwhile.
    unsafe { ffi::interposer_take_calls() }
}

/// Adds `calls` to the count.
pub(crate) fn add_calls(calls: u64) {
    // SAFETY: Adds to this CPU's count; no precondition.
    unsafe { ffi::interposer_add_calls(calls) }
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
