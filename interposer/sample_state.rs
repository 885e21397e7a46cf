// SPDX-License-Identifier: GPL-2.0

//! The sample's state, which a swap hands from one version to the next: how
//! many calls its replacements of `sample_lib` answered (per-CPU counts in
//! `interposer_glue.c`, through `sys.rs`).

use crate::sys;
use kernel::prelude::*;

/// Counts one call.
pub(crate) fn count() {
    sys::count_call();
}

/// The state for the successor: the count, 8 bytes little-endian. It moves:
/// this version keeps none of it (it is quiesced, so nothing adds to it
/// meanwhile), and a later swap back to it does not count it twice.
pub(crate) fn export(buf: &mut [u8]) -> Result<usize> {
    let out = buf.get_mut(..8).ok_or(EINVAL)?;
    let calls = sys::take_calls();
    out.copy_from_slice(&calls.to_le_bytes());
    pr_info!("hands over {} calls\n", calls);
    Ok(out.len())
}

/// The predecessor's state, added to this version's own count: it has been
/// answering calls since the swap.
pub(crate) fn import(buf: &[u8]) -> Result {
    let bytes: [u8; 8] = buf.try_into().map_err(|_| EINVAL)?;
    let before = u64::from_le_bytes(bytes);
    sys::add_calls(before);
    pr_info!(
        "carries on from {} calls; {} in all\n",
        before,
        sys::calls()
    );
    Ok(())
}
