//! The fleet's rollout of a bundle (list files and modules, named with
//! their sha256 in a manifest), in two phases: `prepare` checks the bundle
//! against this machine and stages it, or vetoes it, without touching
//! anything live; `commit` carries out the staged plan, keeping a record
//! that undoes it; `abort` drops what is staged. `rollback` (in `list/`)
//! undoes a commit through [`commit::rollback`].
//!
//! `bundle.rs` reads a bundle, `signature.rs` checks its signature,
//! `veto.rs` finds the vetoes (loaded consumers, hooks), `live_swap.rs`
//! plans, makes and undoes upgrades by live swap, `plan.rs` is the staged
//! plan, `stage.rs` is `prepare` and `abort`, `commit.rs` is `commit` and
//! undoing it.

mod bundle;
pub mod commit;
mod live_swap;
mod plan;
mod signature;
pub mod stage;
mod veto;
