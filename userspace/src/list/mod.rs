//! The commands on the dependency list itself: `check` reports every
//! problem of the config; `apply` replaces the live list, keeping the one it
//! replaced as the last-known-good one, and `rollback` puts that back (or,
//! if a rollout was committed, undoes that commit through `rollout/`);
//! `restart` unloads preload and loads it again with the config (`reload`
//! is another name of `apply`, as in systemctl); `explain` shows what
//! loading a module would do; `status` shows the live list with preload's
//! counters, its interposers and the last ABI report; `migrate` moves the
//! list files and the state of an older install to the paths used now.
//!
//! `diff.rs` is the difference of two lists that `apply --dry-run` prints.

pub mod apply;
pub mod check;
mod diff;
pub mod explain;
pub mod migrate;
pub mod restart;
pub mod status;
