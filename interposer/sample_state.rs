// SPDX-License-Identifier: GPL-2.0

//! The sample's state, which a swap hands from one version to the next: how
//! many calls its replacements of `sample_lib` answered.

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;

static CALLS: AtomicU64 = AtomicU64::new(0);

/// Counts one call.
pub(crate) fn count() {
    CALLS.fetch_add(1, Ordering::Relaxed);
}

/// The calls answered so far, the predecessors' included.
pub(crate) fn calls() -> u64 {
    CALLS.load(Ordering::Relaxed)
}

/// The state for the successor: the count, 8 bytes little-endian. It moves:
/// this version keeps none of it (it is quiesced, so nothing adds to it
/// meanwhile), and a later swap back to it does not count it twice.
pub(crate) fn export(buf: &mut [u8]) -> Result<usize> {
    let out = buf.get_mut(..8).ok_or(EINVAL)?;
    let calls = CALLS.swap(0, Ordering::Relaxed);
    out.copy_from_slice(&calls.to_le_bytes());
    pr_info!("hands over {} calls\n", calls);
    Ok(out.len())
}

/// The predecessor's state, added to this version's own count: it has been
/// answering calls since the swap.
pub(crate) fn import(buf: &[u8]) -> Result {
    let bytes: [u8; 8] = buf.try_into().map_err(|_| EINVAL)?;
    let before = u64::from_le_bytes(bytes);
    CALLS.fetch_add(before, Ordering::Relaxed);
    pr_info!("carries on from {} calls; {} in all\n", before, calls());
    Ok(())
}
