// SPDX-License-Identifier: GPL-2.0

//! The config file read when preload loads.

use crate::sys::{self, FileContents};
use crate::table::Builder;
use crate::State;
use kernel::prelude::*;

/// The largest config file accepted.
const CONFIG_MAX: usize = 128 << 20;

/// Reads the config file into `state`. A missing default file is fine; a
/// missing file the user named, or a bad file, fails the load.
pub(crate) fn load(state: &State) -> Result {
    let (path, chosen) = sys::config_path();
    let file = FileContents::read(path, CONFIG_MAX);
    let path = path.to_str().unwrap_or("?");
    let file = match file {
        Ok(file) => file,
        Err(e) if e == ENOENT && !chosen => {
            pr_info!("{path} not found; starting with an empty list\n");
            return Ok(());
        }
        Err(e) => {
            pr_err!("cannot read {path}: error {}\n", e.to_errno());
            return Err(e);
        }
    };
    let mut builder = Builder::new()?;
    let table = match builder.add(file.bytes()).and_then(|()| builder.finish()) {
        Ok(table) => table,
        Err(e) => {
            pr_err!("{path}: {e}; not loading\n");
            return Err(e.into());
        }
    };
    state.replace_table(table)?;
    pr_info!("{path}: {} entries\n", state.table().len());
    Ok(())
}
