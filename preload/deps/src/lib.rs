//! The preload dependency list for host tools.
//!
//! The code is in files the kernel module also includes as source: `deps.rs`
//! (the list; see its documentation for the format), `interpose.rs` and
//! `btf.rs`.

#![no_std]
#![forbid(unsafe_code)]

#[path = "deps.rs"]
mod deps;
pub use deps::*;

/// Interposer declarations in `.modinfo` (also shared with the kernel module).
#[path = "interpose.rs"]
pub mod interpose;

/// BTF: function types by name (also shared with the kernel module).
#[path = "btf.rs"]
pub mod btf;

/// The interposer lifecycle's state model (also shared with the kernel module).
#[path = "lifecycle.rs"]
pub mod lifecycle;
