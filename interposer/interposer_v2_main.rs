// SPDX-License-Identifier: GPL-2.0

//! interposer_v2: version 2.0 of the sample interposer, to swap its
//! consumers to (`/proc/preload/swap`, `preloadctl swap`). It redefines the
//! same symbols, with results that tell it apart: `sample_lib_compute` adds
//! 2000, `sample_lib_step` adds 200, messages are tagged
//! "[interposer v2] ". The declarations and C entry points are the sample's
//! (`sys.rs`, `interposer_v2_glue.c`).

use kernel::prelude::*;

mod preload_interpose;
#[path = "sys.rs"]
mod sys;

preload_interpose::preload_modinfo!("version", "2.0");

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
        pr_info!("redefines _printk, sample_lib_compute and sample_lib_step (version 2.0)\n");
        Ok(InterposerV2)
    }
}

/// `sample_lib_compute` for consumers: the original's result plus 2000.
fn compute(x: i32) -> i32 {
    sys::sample_lib_compute(x).wrapping_add(2000)
}

/// `sample_lib_step` for consumers: adds 200, without calling the original.
fn step(x: i64) -> i64 {
    x.wrapping_add(200)
}
