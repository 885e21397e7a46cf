// SPDX-License-Identifier: GPL-2.0

//! interposer: a sample interposer for preload. For the modules that list it
//! in preload's dependency list, and only for them, it redefines the
//! kernel's `_printk` (their messages get a tag) and two functions of
//! `sample_lib`. The `_printk` replacement and its declaration are in
//! `interposer_glue.c` (Rust cannot define a variadic function); the others
//! are declared next to their C entry points in `sys.rs`. It is swappable:
//! `interposer_v2` can take its consumers over while they run, and the count
//! of calls it answered (`sample_state.rs`) with them.

#![deny(unsafe_code)]

use kernel::prelude::*;

mod preload_interpose;
mod sample_state;
#[allow(unsafe_code)]
mod sys;

module! {
    type: Interposer,
    name: "interposer",
    authors: ["preload developers"],
    description: "Sample interposer: redefines _printk and sample_lib functions for chosen consumers",
    license: "GPL",
}

struct Interposer;

impl kernel::Module for Interposer {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("redefines _printk and sample_lib's compute, step and wait for its consumers\n");
        Ok(Interposer)
    }
}

/// `sample_lib_compute` for consumers: the original's result plus 1000.
fn compute(x: i32) -> i32 {
    sample_state::count();
    sys::sample_lib_compute(x).wrapping_add(1000)
}

/// `sample_lib_step` for consumers: adds 100 instead of 1, without calling
/// the original.
fn step(x: i64) -> i64 {
    sample_state::count();
    x.wrapping_add(100)
}

/// `sample_lib_wait` for consumers: sleeps in the original, then adds 1000.
fn wait(ms: i64) -> i64 {
    sample_state::count();
    sys::sample_lib_wait(ms).wrapping_add(1000)
}
