//! What `--quiet` keeps back. Standard output is discarded as a whole (see
//! [`crate::sys::discard_stdout`]), so every report obeys it; notes and
//! warnings on standard error go through [`note!`], which says nothing
//! when quiet. Errors are printed whatever it says.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether `--quiet` was given.
static QUIET: AtomicBool = AtomicBool::new(false);

/// Keeps notes and warnings back from now on.
pub fn set_quiet() {
    QUIET.store(true, Ordering::Relaxed);
}

/// Whether notes and warnings are kept back.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// `eprintln!` for a note or a warning: nothing with `--quiet`.
macro_rules! note {
    ($($arg:tt)*) => {
        if !$crate::output::quiet() {
            eprintln!($($arg)*);
        }
    };
}
pub(crate) use note;
