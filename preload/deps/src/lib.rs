//! The preload dependency list for host tools.
//!
//! All of the code is in `deps.rs`, which the kernel module also includes as
//! source; see its documentation for the format.

#![no_std]
#![forbid(unsafe_code)]

#[path = "deps.rs"]
mod deps;
pub use deps::*;

/// Interposer declarations in `.modinfo` (also shared with the kernel module).
#[path = "interpose.rs"]
pub mod interpose;
