// SPDX-License-Identifier: GPL-2.0

//! preload: LD_PRELOAD for kernel modules. Keeps a dynamic dependency list
//! (`consumer: dep ...`) and, whenever a listed module loads, by any path,
//! loads its dependencies first and records them as real kernel dependency
//! links.

#![deny(unsafe_code)]

use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

#[path = "deps/src/btf.rs"]
pub mod btf;
mod btf_check;
mod config;
#[path = "deps/src/deps.rs"]
pub mod deps;
mod internals;
mod interpose;
#[path = "deps/src/interpose.rs"]
pub mod interpose_decl;
mod lifecycle;
#[path = "deps/src/lifecycle.rs"]
pub mod lifecycle_model;
mod loader;
mod modules_dep;
mod proc;
mod stats;
mod swap;
#[allow(unsafe_code)]
mod sys;
mod table;

use table::Table;

module! {
    type: Preload,
    name: "preload",
    authors: ["preload developers"],
    description: "Loads the dependencies a dynamic list gives a module before it binds",
    license: "GPL",
}

/// Everything the hooks and the proc files share.
#[pin_data]
pub(crate) struct State {
    /// The live list; replaced whole, never edited in place.
    #[pin]
    table: Mutex<Arc<Table>>,
    #[pin]
    in_flight: loader::InFlight,
    #[pin]
    interposers: interpose::Interposers,
    stats: stats::Stats,
}

impl State {
    fn new() -> impl PinInit<Self, Error> {
        try_pin_init!(State {
            table <- new_mutex!(Arc::new(Table::empty(), GFP_KERNEL)?),
            in_flight <- loader::InFlight::new(),
            interposers <- interpose::Interposers::new(),
            stats: stats::Stats::new(),
        })
    }

    /// The live list, which stays valid however long the caller keeps it.
    pub(crate) fn table(&self) -> Arc<Table> {
        self.table.lock().clone()
    }

    /// Makes `table` the live list.
    pub(crate) fn replace_table(&self, table: Table) -> Result {
        let table = Arc::new(table, GFP_KERNEL)?;
        let old = core::mem::replace(&mut *self.table.lock(), table);
        // The old list is freed here, outside the lock, once unused.
        drop(old);
        Ok(())
    }
}

struct Preload {
    // Dropped in this order: hooks and files stop using `state` first.
    _hooks: sys::Hooks,
    _proc: sys::ProcEntries,
    _state: Pin<KBox<State>>,
}

impl kernel::Module for Preload {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        internals::check()?;
        let state = KBox::pin_init(State::new(), GFP_KERNEL)?;
        config::load(&state)?;
        sys::find_kernel_data().inspect_err(|_| {
            pr_err!("cannot find module_mutex or modprobe_path (needs CONFIG_KALLSYMS_ALL); not loading\n")
        })?;
        let proc = sys::ProcEntries::create(&state)?;
        let hooks = sys::Hooks::register(&state)?;
        pr_info!(
            "hooked the module loader; {} list entries\n",
            state.table().len()
        );
        Ok(Preload {
            _hooks: hooks,
            _proc: proc,
            _state: state,
        })
    }
}

impl Drop for Preload {
    fn drop(&mut self) {
        pr_info!("unloading: waiting for loads inside the hook, then unhooking\n");
    }
}
