// SPDX-License-Identifier: GPL-2.0

//! The lifecycle of interposers: `loaded → started → quiescing → quiesced`,
//! and back to `started`. preload keeps each interposer's stage (shown in
//! `/proc/preload/interposers`), checks every transition against the state
//! model (`deps/src/lifecycle.rs`, tested on the host) before it calls the
//! interposer's handler for it, and refuses an illegal one with a message
//! naming the module, its stage and the transition.
//!
//! An interposer declares a handler by defining a function under a fixed
//! name (`interposer/preload_interpose/sys.rs` has the macros):
//! `preload_start` and `preload_quiesce` (`int (void)`, 0 or a negative
//! errno that refuses the transition), `preload_state_export` and `preload_state_import` (its state
//! handed over in a swap). Its unload handler is its own module exit. It is
//! started when its init has run; one that declares a quiesce handler is
//! held (rmmod refuses it) until it is quiesced. Requests come from `/proc/preload/lifecycle` (`start NAME`,
//! `quiesce NAME`) and from swaps.

use crate::deps::Name;
use crate::sys::ComingModule;
use crate::State;
use kernel::prelude::*;

pub(crate) use crate::lifecycle_model::{next, Refusal, Stage, Transition};

/// The addresses of an interposer's handlers; 0 where it declares none.
#[derive(Clone, Copy, Default)]
pub(crate) struct Handlers {
    pub(crate) start: usize,
    pub(crate) quiesce: usize,
    pub(crate) export: usize,
    pub(crate) import: usize,
}

/// The handlers by the names `/proc/preload/interposers` shows.
const SHOWN: [&str; 4] = ["start", "quiesce", "export", "import"];

impl Handlers {
    /// Finds the handlers the coming interposer `module` defines.
    pub(crate) fn find(module: &ComingModule) -> Handlers {
        let address = |name: &CStr| module.function_address(name).unwrap_or(0);
        Handlers {
            start: address(c"preload_start"),
            quiesce: address(c"preload_quiesce"),
            export: address(c"preload_state_export"),
            import: address(c"preload_state_import"),
        }
    }

    /// Every function preload calls through a pointer, by name, with its
    /// address (those it declares).
    pub(crate) fn all(&self) -> impl Iterator<Item = (&'static str, usize)> {
        [
            ("preload_start", self.start),
            ("preload_quiesce", self.quiesce),
            ("preload_state_export", self.export),
            ("preload_state_import", self.import),
        ]
        .into_iter()
        .filter(|(_, address)| *address != 0)
    }

    /// The names of the handlers it declares, for `handlers=`.
    pub(crate) fn declared(&self) -> impl Iterator<Item = &'static str> + '_ {
        let present = [self.start, self.quiesce, self.export, self.import];
        SHOWN
            .into_iter()
            .zip(present)
            .filter(|(_, a)| *a != 0)
            .map(|(n, _)| n)
    }
}

/// The most state an interposer may hand over in a swap.
pub(crate) const STATE_MAX: usize = 4096;

/// Carries out one `/proc/preload/lifecycle` request: `start NAME` or
/// `quiesce NAME`.
pub(crate) fn request(state: &State, request: &[u8]) -> Result {
    let mut words = request
        .split(|&b| b == b' ' || b == b'\t' || b == b'\n')
        .filter(|w| !w.is_empty());
    let (Some(verb), Some(name), None) = (words.next(), words.next(), words.next()) else {
        pr_err!("/proc/preload/lifecycle: usage: start NAME | quiesce NAME\n");
        return Err(EINVAL);
    };
    let Ok(name) = Name::new(name) else {
        pr_err!("/proc/preload/lifecycle: not a module name\n");
        return Err(EINVAL);
    };
    match verb {
        b"start" => state.interposers.start(&name),
        b"quiesce" => state.interposers.quiesce(&name),
        _ => {
            pr_err!("/proc/preload/lifecycle: usage: start NAME | quiesce NAME\n");
            Err(EINVAL)
        }
    }
}

/// Logs that `transition` of `module` is refused, and why (its stage, said
/// by the caller); returns `error`.
pub(crate) fn refuse(
    transition: &str,
    module: &Name,
    why: impl kernel::fmt::Display,
    error: Error,
) -> Error {
    pr_err!("{} {} refused: {}\n", transition, module.as_str(), why);
    error
}

impl kernel::fmt::Display for Refusal {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}
