//! The commands on the dependency list itself: `check` reports every
//! problem of the config; `apply` replaces the live list, keeping the one it
//! replaced as the last-known-good one, and `rollback` puts that back (or,
//! if a rollout was committed, undoes that commit through `rollout/`);
//! `reload` loads preload again with the config; `explain` shows what
//! loading a module would do; `status` shows the live list with preload's
//! counters, its interposers and the last ABI report; `migrate` moves the
//! list files and the state of an older install to the paths used now.
//!
//! `diff.rs` is the difference of two lists that `apply --dry-run` prints.

pub mod apply;
pub mod check;
pub mod diff;
pub mod explain;
pub mod migrate;
pub mod reload;
pub mod status;
