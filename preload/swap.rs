// SPDX-License-Identifier: GPL-2.0

//! `/proc/preload/swap`: one write, `OLD NEW [force] [timeout=MS]`, moves
//! the consumers of the swappable interposer OLD to NEW (see
//! `Interposers::swap`). The write fails, and the kernel log says why, when
//! the swap is not allowed. It returns once OLD is quiesced, or after MS
//! milliseconds with OLD still quiescing; a signal ends the wait (EINTR).

use crate::deps::Name;
use crate::State;
use kernel::prelude::*;

const USAGE: &str = "/proc/preload/swap: usage: OLD NEW [force] [timeout=MS]\n";

/// Carries out one swap request.
pub(crate) fn request(state: &State, request: &[u8]) -> Result {
    let mut words = request
        .split(|&b| b == b' ' || b == b'\t' || b == b'\n')
        .filter(|w| !w.is_empty());
    let (Some(old), Some(new)) = (words.next(), words.next()) else {
        pr_err!("{}", USAGE);
        return Err(EINVAL);
    };
    let (mut force, mut timeout_ms) = (false, None);
    for word in words {
        match (word, word.strip_prefix(b"timeout=")) {
            (b"force", _) if !force => force = true,
            (_, Some(ms)) if timeout_ms.is_none() => {
                match milliseconds(ms) {
                    Some(ms) => timeout_ms = Some(ms),
                    None => {
                        pr_err!("/proc/preload/swap: timeout= takes a positive number of milliseconds\n");
                        return Err(EINVAL);
                    }
                }
            }
            _ => {
                pr_err!("{}", USAGE);
                return Err(EINVAL);
            }
        }
    }
    let (Ok(old), Ok(new)) = (Name::new(old), Name::new(new)) else {
        pr_err!("/proc/preload/swap: not module names\n");
        return Err(EINVAL);
    };
    state
        .interposers
        .swap(&old, &new, force, timeout_ms.unwrap_or(0))
}

/// A positive decimal number that fits a `u32`.
fn milliseconds(digits: &[u8]) -> Option<u32> {
    let text = core::str::from_utf8(digits).ok()?;
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>().ok().filter(|&ms| ms > 0)
}
