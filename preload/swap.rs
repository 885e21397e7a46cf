// SPDX-License-Identifier: GPL-2.0

//! `/proc/preload/swap`: one write, `OLD NEW` or `OLD NEW force`, moves the
//! consumers of the swappable interposer OLD to NEW (see
//! `Interposers::swap`). The write fails, and the kernel log says why, when
//! the swap is not allowed.

use crate::deps::Name;
use crate::State;
use kernel::prelude::*;

/// Carries out one swap request.
pub(crate) fn request(state: &State, request: &[u8]) -> Result {
    let mut words = request
        .split(|&b| b == b' ' || b == b'\t' || b == b'\n')
        .filter(|w| !w.is_empty());
    let (Some(old), Some(new), force, None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        pr_err!("/proc/preload/swap: usage: OLD NEW [force]\n");
        return Err(EINVAL);
    };
    if force.is_some_and(|f| f != b"force") {
        pr_err!("/proc/preload/swap: usage: OLD NEW [force]\n");
        return Err(EINVAL);
    }
    let (Ok(old), Ok(new)) = (Name::new(old), Name::new(new)) else {
        pr_err!("/proc/preload/swap: not module names\n");
        return Err(EINVAL);
    };
    state.interposers.swap(&old, &new, force.is_some())
}
