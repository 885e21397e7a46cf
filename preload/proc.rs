// SPDX-License-Identifier: GPL-2.0

//! What `/proc/preload/deps` means: reading prints the live list; one
//! open-write-close replaces it atomically, or not at all.

use crate::table::{BuildError, Builder};
use crate::{deps, sys, State};
use core::fmt;
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::seq_file::{seq_print, SeqFile};
use kernel::sync::Mutex;
use kernel::uaccess::UserSliceReader;

/// Bytes copied from user space at a time.
const CHUNK: usize = 4096;

/// The state of one file opened for writing.
#[pin_data]
pub(crate) struct Writer {
    #[pin]
    inner: Mutex<WriterInner>,
}

struct WriterInner {
    /// `None` once a write failed: the rest of this open is refused.
    builder: Option<Builder>,
    chunk: KVec<u8>,
}

impl Writer {
    /// A writer for a newly opened file.
    pub(crate) fn new() -> impl PinInit<Self, Error> {
        try_pin_init!(Writer {
            inner <- new_mutex!(WriterInner {
                builder: Some(Builder::new()?),
                chunk: KVec::from_elem(0u8, CHUNK, GFP_KERNEL)?,
            }),
        })
    }

    /// Handles one `write()`: parses its complete lines and checks the list
    /// so far. A bad line fails this write with `EINVAL`, logs one line, and
    /// makes the close leave the live list alone.
    pub(crate) fn write(&self, mut input: UserSliceReader, len: usize) -> Result<usize> {
        let mut inner = self.inner.lock();
        let WriterInner { builder, chunk } = &mut *inner;
        let Some(b) = builder else {
            return Err(EINVAL);
        };
        let mut left = len;
        while left > 0 {
            let n = left.min(CHUNK);
            if let Err(e) = input.read_slice(&mut chunk[..n]) {
                *builder = None;
                return Err(e);
            }
            if let Err(e) = b.add(&chunk[..n]) {
                return Err(refuse(builder, e));
            }
            left -= n;
        }
        if let Err(e) = b.check() {
            return Err(refuse(builder, e));
        }
        Ok(len)
    }

    /// Handles the close: makes what was written the live list, unless a
    /// write failed or the last, unterminated line turns out bad (it was
    /// still incomplete, like `a` without its `:`), which is counted.
    pub(crate) fn commit(self: Pin<KBox<Self>>, state: &State) {
        let Some(builder) = self.inner.lock().builder.take() else {
            return;
        };
        match builder.finish() {
            Ok(table) => {
                if state.replace_table(table).is_ok() {
                    return;
                }
                pr_err!("/proc/preload/deps: out of memory; the list is unchanged\n");
            }
            Err(e) => log_refusal(&e),
        }
        // `close()` cannot fail: this counter is how a writer can tell.
        state.stats.closes_refused.inc();
    }
}

fn refuse(builder: &mut Option<Builder>, e: BuildError) -> Error {
    log_refusal(&e);
    *builder = None;
    e.into()
}

fn log_refusal(e: &BuildError) {
    if sys::log_refusal() {
        pr_err!("/proc/preload/deps: {e}; the list is unchanged\n");
    }
}

/// Prints the live list in the config grammar.
pub(crate) fn show_deps(state: &State, m: &SeqFile) {
    let table = state.table();
    for (consumer, edges) in table.list().consumers() {
        // A full seq_file buffer is not an error: seq_read retries with a
        // larger one.
        let _ = deps::write_entry(&consumer, edges, &mut SeqWriter(m));
    }
}

/// Lets `write!` print into a `seq_file`.
struct SeqWriter<'a>(&'a SeqFile);

impl fmt::Write for SeqWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        seq_print!(self.0, "{s}");
        Ok(())
    }
}
