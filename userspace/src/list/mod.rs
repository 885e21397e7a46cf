//! The commands on the dependency list itself: `check` reports every
//! problem of the config; `apply` replaces the live list, recording it in
//! the history (`history.rs` at the bottom), and `rollback` goes back to an
//! earlier list of it (or, if a rollout was committed, undoes that commit
//! through `rollout/`); `history` lists the history; `restart` unloads
//! preload and loads it again with the config (`reload` is another name of
//! `apply`, as in systemctl); `explain` shows what loading a module would
//! do; `status` shows the live list with preload's counters, its
//! interposers and the last ABI report; `migrate` moves the list files and
//! the state of an older install to the paths used now.

pub mod apply;
pub mod check;
pub mod explain;
pub mod history;
pub mod migrate;
pub mod restart;
pub mod rollback;
pub mod status;
