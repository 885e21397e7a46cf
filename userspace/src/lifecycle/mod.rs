//! Moving interposers while they run: `swap` moves the consumers of one
//! interposer to another (`/proc/preload/swap`); `start`, `quiesce` and
//! `stop` move an interposer through its lifecycle
//! (`/proc/preload/lifecycle`), `stop` unloading it at the end. The kernel
//! decides; these commands check first what they can, so the user reads why
//! a request is refused, and report the state it left.
//!
//! `swap.rs` is `swap`; `transition.rs` is `start`, `quiesce` and `stop`.

pub mod swap;
pub mod transition;
