// SPDX-License-Identifier: GPL-2.0

//! `modules.dep`, the file modprobe follows. Before preload asks modprobe for
//! a dependency it looks there for a module that modprobe would load first
//! but that is itself waiting for this dependency: a cycle the list cannot
//! see, which would otherwise hang inside the kernel's loader.

use crate::deps::Name;
use crate::sys::{self, FileContents};

/// The largest `modules.dep` read.
const MODULES_DEP_MAX: usize = 64 << 20;

/// Returns the first module of `waiting` that `modules.dep` says `dep` needs.
/// A missing or unreadable `modules.dep` finds nothing.
pub(crate) fn needs_any(dep: &Name, waiting: &[Name]) -> Option<Name> {
    let path = sys::modules_dep_path()?;
    let file = FileContents::read_initial(path.as_cstr(), MODULES_DEP_MAX).ok()?;
    for line in file.bytes().split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (target, needs) = line.split_at(colon);
        if module_name(target).as_ref() == Some(dep) {
            return needs
                .split(|b| b.is_ascii_whitespace() || *b == b':')
                .filter_map(module_name)
                .find(|name| waiting.contains(name));
        }
    }
    None
}

/// The module a `modules.dep` path names: `kernel/fs/foo-bar.ko.xz` is `foo_bar`.
fn module_name(path: &[u8]) -> Option<Name> {
    let file = path.rsplit(|&b| b == b'/').next()?;
    let stem = file.windows(3).position(|w| w == b".ko")?;
    Name::new(file.get(..stem)?).ok()
}
