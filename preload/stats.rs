// SPDX-License-Identifier: GPL-2.0

//! The counters behind `/proc/preload/stats`.

use kernel::seq_file::{seq_print, SeqFile};
use kernel::sync::atomic::{Atomic, Relaxed};

/// One counter.
pub(crate) struct Counter(Atomic<u64>);

impl Counter {
    const fn new() -> Self {
        Counter(Atomic::new(0))
    }

    /// Adds one.
    pub(crate) fn inc(&self) {
        self.0.add(1u64, Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// What preload has done since it was loaded.
pub(crate) struct Stats {
    /// Module loads the hook saw.
    pub(crate) loads_seen: Counter,
    /// Loads of modules that have an entry in the list.
    pub(crate) loads_matched: Counter,
    /// Dependencies preload had loaded first.
    pub(crate) deps_loaded: Counter,
    /// Dependencies that were loaded already.
    pub(crate) deps_present: Counter,
    /// Loads preload refused, and optional dependencies that failed to load.
    pub(crate) failures: Counter,
    /// Lists written to `/proc/preload/deps` that were refused only at
    /// `close()`, which cannot report it.
    pub(crate) closes_refused: Counter,
}

impl Stats {
    /// All zero.
    pub(crate) const fn new() -> Self {
        Stats {
            loads_seen: Counter::new(),
            loads_matched: Counter::new(),
            deps_loaded: Counter::new(),
            deps_present: Counter::new(),
            failures: Counter::new(),
            closes_refused: Counter::new(),
        }
    }

    /// Prints one `name value` line per counter.
    pub(crate) fn show(&self, m: &SeqFile) {
        seq_print!(m, "loads_seen {}\n", self.loads_seen.get());
        seq_print!(m, "loads_matched {}\n", self.loads_matched.get());
        seq_print!(m, "deps_loaded {}\n", self.deps_loaded.get());
        seq_print!(m, "deps_present {}\n", self.deps_present.get());
        seq_print!(m, "failures {}\n", self.failures.get());
        seq_print!(m, "closes_refused {}\n", self.closes_refused.get());
    }
}
