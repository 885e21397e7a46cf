// SPDX-License-Identifier: GPL-2.0

//! interposer_v2: version 2.0 of the sample interposer, to swap its
//! consumers to (`/proc/preload/swap`, `preloadctl swap`). It redefines the
//! same symbols, with results that tell it apart: `sample_lib_compute` adds
//! 2000, `sample_lib_step` adds 200, `sample_lib_wait` adds 2000, messages
//! are tagged "[interposer v2] ". The declarations, C entry points and state
//! are the sample's (`sys.rs`, `interposer_v2_glue.c`, `sample_state.rs`);
//! Kbuild compiles this file with `--cfg interposer_v2`, which `sys.rs`
//! reads for what differs: the version, and the start and quiesce handlers.

#![deny(unsafe_code)]

use kernel::prelude::*;

mod preload_interpose;
#[path = "sample_state.rs"]
mod sample_state;
#[allow(unsafe_code)]
#[path = "sys.rs"]
mod sys;

module! {
    type: InterposerV2,
    name: "interposer_v2",
    authors: ["preload developers"],
    description: "Sample interposer, version 2: a swap target for the sample interposer",
    license: "GPL",
}

struct InterposerV2;

impl kernel::Module for InterposerV2 {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("redefines _printk and sample_lib's compute, step and wait (version 2.0)\n");
        Ok(InterposerV2)
    }
}

/// `sample_lib_compute` for consumers: the original's result plus 2000.
fn compute(x: i32) -> i32 {
    sample_state::count();
    sys::sample_lib_compute(x).wrapping_add(2000)
}

/// `sample_lib_step` for consumers: adds 200, without calling the original.
fn step(x: i64) -> i64 {
    sample_state::count();
    x.wrapping_add(200)
}

/// `sample_lib_wait` for consumers: sleeps in the original, then adds 2000.
fn wait(ms: i64) -> i64 {
    sample_state::count();
    sys::sample_lib_wait(ms).wrapping_add(2000)
}

/// Start handler: preload calls it once version 2 is loaded, and when it is
/// started again after a quiesce.
fn start() -> Result {
    pr_info!("started: serving\n");
    Ok(())
}

/// Quiesce handler: preload calls it before it takes version 2 out of
/// service (a swap away from it, or `quiesce`).
fn quiesce() -> Result {
    pr_info!("quiescing: {} calls answered\n", sys::calls());
    Ok(())
}
