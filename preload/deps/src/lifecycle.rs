// SPDX-License-Identifier: GPL-2.0

//! The interposer lifecycle's state model: which transition is legal from
//! which state. preload.ko checks every transition with [`next`] before it
//! calls the interposer's handler for it; the host tests check the model.
//!
//! ```text
//! loaded --start--> started --quiesce / swap away--> quiescing --> quiesced
//!                      ^                                              |
//!                      +------------------- start --------------------+
//! ```

use core::fmt;

/// Where an interposer is in its lifecycle.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stage {
    /// Loaded, not started yet (or its start handler failed).
    Loaded,
    /// Serving consumers; new ones may bind to it.
    Started,
    /// Taken out of service: no new binding, waiting until no task is inside it.
    Quiescing,
    /// No call is left in it; it may unload.
    Quiesced,
}

impl Stage {
    /// The name `/proc/preload/interposers` shows (`state=`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Loaded => "loaded",
            Stage::Started => "started",
            Stage::Quiescing => "quiescing",
            Stage::Quiesced => "quiesced",
        }
    }

    /// Whether a consumer may bind to an interposer in this stage: a loaded
    /// one is starting (its init ran, the start follows at once).
    pub fn binds(self) -> bool {
        matches!(self, Stage::Loaded | Stage::Started)
    }
}

/// What is asked of an interposer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transition {
    /// `start NAME`, or its init having run.
    Start,
    /// `quiesce NAME` (also to finish an interrupted one).
    Quiesce,
    /// Being swapped away from (the swap's OLD).
    SwapFrom,
    /// Being swapped to (the swap's NEW): it stays started.
    SwapTo,
}

/// Why a transition is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Refusal {
    /// Not from this stage.
    Stage(Stage),
    /// `quiesce` of an interposer that still serves this many consumers.
    Serves(usize),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Stage(stage) => f.write_str(stage.as_str()),
            Refusal::Serves(n) => write!(
                f,
                "started and serves {n} consumer(s) (swap them to another interposer or unload them first)"
            ),
        }
    }
}

/// The stage `transition` leads to from `stage`, for an interposer that
/// serves `consumers`, or why it is refused.
pub fn next(stage: Stage, transition: Transition, consumers: usize) -> Result<Stage, Refusal> {
    use Stage::*;
    match (transition, stage) {
        (Transition::Start, Loaded | Quiesced) => Ok(Started),
        (Transition::Quiesce, Started | Quiescing) if consumers > 0 => {
            Err(Refusal::Serves(consumers))
        }
        (Transition::Quiesce, Started | Quiescing) => Ok(Quiescing),
        (Transition::SwapFrom, Started) => Ok(Quiescing),
        (Transition::SwapTo, Started) => Ok(Started),
        (_, stage) => Err(Refusal::Stage(stage)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;
    use Transition::*;

    const STAGES: [Stage; 4] = [Loaded, Started, Quiescing, Quiesced];

    #[test]
    fn start_from_loaded_or_quiesced_only() {
        for stage in STAGES {
            let legal = matches!(stage, Loaded | Quiesced);
            assert_eq!(next(stage, Start, 0).is_ok(), legal, "{stage:?}");
        }
        assert_eq!(next(Quiescing, Start, 0), Err(Refusal::Stage(Quiescing)));
        assert_eq!(next(Started, Start, 0), Err(Refusal::Stage(Started)));
    }

    #[test]
    fn quiesce_needs_no_consumer() {
        assert_eq!(next(Started, Quiesce, 0), Ok(Quiescing));
        assert_eq!(next(Quiescing, Quiesce, 0), Ok(Quiescing));
        assert_eq!(next(Started, Quiesce, 3), Err(Refusal::Serves(3)));
        assert_eq!(next(Loaded, Quiesce, 0), Err(Refusal::Stage(Loaded)));
        assert_eq!(next(Quiesced, Quiesce, 0), Err(Refusal::Stage(Quiesced)));
    }

    #[test]
    fn both_ends_of_a_swap_are_started() {
        for stage in STAGES {
            assert_eq!(
                next(stage, SwapFrom, 2).is_ok(),
                stage == Started,
                "{stage:?}"
            );
            assert_eq!(
                next(stage, SwapTo, 2).is_ok(),
                stage == Started,
                "{stage:?}"
            );
        }
        assert_eq!(next(Started, SwapFrom, 2), Ok(Quiescing));
        assert_eq!(next(Started, SwapTo, 0), Ok(Started));
    }

    #[test]
    fn only_loaded_and_started_interposers_take_bindings() {
        let binds: [bool; 4] = STAGES.map(Stage::binds);
        assert_eq!(binds, [true, true, false, false]);
    }

    #[test]
    fn refusals_read_as_the_kernel_log_says_them() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(Refusal::Stage(Quiescing).to_string(), "quiescing");
        assert_eq!(Refusal::Stage(Quiesced).to_string(), "quiesced");
        assert_eq!(
            Refusal::Serves(2).to_string(),
            "started and serves 2 consumer(s) (swap them to another interposer or unload them first)"
        );
    }
}
