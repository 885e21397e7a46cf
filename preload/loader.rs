// SPDX-License-Identifier: GPL-2.0

//! What preload does when a module loads: before its symbols are bound, load
//! its listed dependencies first (and plan its interposed bindings); when it
//! is coming, record them as real dependency links.

use crate::deps::{Edge, Name};
use crate::sys::{self, ComingModule, Link, LoadingImage, ModuleState};
use crate::table::TextBuf;
use crate::{modules_dep, State};
use core::fmt::Write;
use kernel::prelude::*;
use kernel::sync::{CondVar, Mutex};
use kernel::time::{delay::fsleep, Delta};
use kernel::{new_condvar, new_mutex};

/// How long to wait for a dependency that another task is still loading.
const LOADING_WAIT_MS: i64 = 30_000;
const POLL_MS: i64 = 10;

/// Runs in the loading task before `name`'s symbols are bound, holding no
/// module lock. Loads each listed dependency that is not loaded yet, then
/// plans the bindings to the interposers among them.
pub(crate) fn before_bind(state: &State, name: &[u8], image: &LoadingImage) -> Result {
    state.stats.loads_seen.inc();
    let Ok(consumer) = Name::new(name) else {
        return Ok(());
    };
    let table = state.table();
    let deps = table.deps_of(&consumer);
    if !deps.is_empty() {
        state.stats.loads_matched.inc();
        let mut entry = state
            .in_flight
            .enter(consumer)
            .inspect_err(|_| state.stats.failures.inc())?;
        for edge in deps {
            load_dep(state, &mut entry, &consumer, edge)
                .inspect_err(|_| state.stats.failures.inc())?;
        }
    }
    state.interposers.before_bind(&consumer, image, deps)
}

fn load_dep(state: &State, entry: &mut InFlightEntry<'_>, consumer: &Name, edge: &Edge) -> Result {
    let dep = &edge.dep;
    if matches!(
        sys::module_state(dep),
        ModuleState::Live | ModuleState::BuiltIn
    ) {
        state.stats.deps_present.inc();
        return Ok(());
    }
    let why = if let Some(chain) = state.in_flight.cycle_through(*consumer, *dep) {
        Status::Cycle(chain)
    } else {
        entry.wait_for(Some(*dep));
        let status = sys::run_modprobe(dep);
        let live = wait_until_live(dep);
        entry.wait_for(None);
        if live {
            pr_info!("{}: loaded {} first\n", consumer.as_str(), dep.as_str());
            state.stats.deps_loaded.inc();
            return Ok(());
        }
        match status {
            Ok(0) => Status::NotLive,
            Ok(code) => Status::Exit(code),
            Err(e) => Status::Error(e.to_errno()),
        }
    };
    if edge.optional {
        pr_warn!(
            "{}: optional dependency {} could not be loaded ({why}); loading without it\n",
            consumer.as_str(),
            dep.as_str()
        );
        state.stats.failures.inc();
        return Ok(());
    }
    pr_err!(
        "{0}: required dependency {1} could not be loaded ({why}); refusing to load {0}\n",
        consumer.as_str(),
        dep.as_str()
    );
    Err(ENOENT)
}

/// Why a dependency could not be loaded.
enum Status {
    /// Loading it would need a module that waits for it (the chain).
    Cycle(KVec<u8>),
    NotLive,
    /// modprobe's wait status.
    Exit(i32),
    Error(i32),
}

impl kernel::fmt::Display for Status {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        match self {
            Status::Cycle(chain) => {
                let chain = core::str::from_utf8(chain).unwrap_or("?");
                write!(
                    f,
                    "it would close a dependency cycle, per modules.dep: {chain}"
                )
            }
            Status::NotLive => write!(f, "modprobe succeeded but it is not loaded"),
            Status::Exit(status) if status & 0x7f == 0 => {
                write!(f, "modprobe failed with exit status {}", status >> 8)
            }
            Status::Exit(status) => write!(f, "modprobe was killed by signal {}", status & 0x7f),
            Status::Error(errno) => write!(f, "cannot run modprobe: error {errno}"),
        }
    }
}

/// Waits while another task is still loading `dep`; true once it is live.
/// A signal ends the wait (the load it is for fails).
fn wait_until_live(dep: &Name) -> bool {
    let mut waited = 0;
    loop {
        match sys::module_state(dep) {
            ModuleState::Live | ModuleState::BuiltIn => return true,
            ModuleState::Loading if waited < LOADING_WAIT_MS => {}
            _ => return false,
        }
        if kernel::current!().signal_pending() {
            return false;
        }
        fsleep(Delta::from_millis(POLL_MS));
        waited += POLL_MS;
    }
}

/// Runs when `name` is coming (bound, before sysfs): links each listed
/// dependency (for a retired interposer, the one it was swapped for). A
/// required one that is not loaded vetoes the load.
pub(crate) fn coming(state: &State, module: &ComingModule, name: &[u8]) -> Result {
    let Ok(consumer) = Name::new(name) else {
        return Ok(());
    };
    let result = link_deps(state, module, &consumer)
        .and_then(|linked| state.interposers.coming(module, &consumer, &linked));
    if result.is_err() {
        // The kernel frees a module whose coming failed, with its links,
        // and tells preload nothing more.
        state.interposers.going(&consumer);
        let _ = sys::set_plan(&consumer, &[]);
    }
    result
}

/// Runs when `name` is going: unloaded, or its load failed after coming.
pub(crate) fn going(state: &State, name: &[u8]) {
    if let Ok(name) = Name::new(name) {
        state.interposers.going(&name);
    }
}

/// Returns the dependencies it added a link to.
fn link_deps(state: &State, module: &ComingModule, consumer: &Name) -> Result<KVec<Name>> {
    let mut linked = KVec::new();
    let table = state.table();
    for edge in table.deps_of(consumer) {
        // A retired interposer's successor stands in for it.
        let dep = match state.interposers.successor(&edge.dep) {
            Some(successor) => {
                pr_info!(
                    "{}: lists {}, which was swapped for {}; depends on {}\n",
                    consumer.as_str(),
                    edge.dep.as_str(),
                    successor.as_str(),
                    successor.as_str()
                );
                successor
            }
            None => edge.dep,
        };
        match module.link(&dep) {
            Ok(Link::Added) => linked.push(dep, GFP_KERNEL)?,
            Ok(Link::Present) => {}
            Err(_) if edge.optional => {}
            Err(e) => {
                pr_err!(
                    "{0}: required dependency {1} is not loaded; refusing to load {0}\n",
                    consumer.as_str(),
                    edge.dep.as_str()
                );
                state.stats.failures.inc();
                return Err(e);
            }
        }
    }
    Ok(linked)
}

/// The modules whose dependencies are being loaded right now, and which
/// dependency each is waiting for: a load that would wait for itself is a
/// cycle (for example through a dependency's own modinfo dependencies, which
/// the list cannot see) and fails fast instead of hanging.
#[pin_data]
pub(crate) struct InFlight {
    #[pin]
    entries: Mutex<KVec<Waiter>>,
    /// Notified each time a load leaves the set.
    #[pin]
    left: CondVar,
}

#[derive(Clone, Copy)]
struct Waiter {
    id: u64,
    consumer: Name,
    waiting_for: Option<Name>,
}

impl InFlight {
    /// No loads in flight.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(InFlight {
            entries <- new_mutex!(KVec::new()),
            left <- new_condvar!(),
        })
    }

    /// Records that `consumer` is loading its dependencies. If another load
    /// of `consumer` is already doing so, a modprobe the kernel started
    /// while that load waits for a dependency is a cycle and fails; any
    /// other load waits until the first one is through its dependencies, as
    /// the kernel itself makes a second load wait for the first, and then
    /// goes on (the loader then finds `consumer` loaded: "already loaded").
    fn enter(&self, consumer: Name) -> Result<InFlightEntry<'_>> {
        let mut entries = self.entries.lock();
        let waiting = entries
            .iter()
            .any(|w| w.consumer == consumer && w.waiting_for.is_some());
        if waiting && sys::spawned_by_kernel() {
            let chain = waiting_chain(&entries, consumer);
            let chain = core::str::from_utf8(&chain).unwrap_or("?");
            pr_err!("dependency cycle while loading: {chain}\n");
            // Not `ELOOP`: 7.2's kernel crate does not name it.
            return Err(Error::from_errno(-(kernel::bindings::ELOOP as i32)));
        }
        while entries.iter().any(|w| w.consumer == consumer) {
            if self.left.wait_interruptible(&mut entries) {
                return Err(ERESTARTSYS);
            }
        }
        let id = entries.iter().map(|w| w.id).max().map_or(0, |id| id + 1);
        entries.push(
            Waiter {
                id,
                consumer,
                waiting_for: None,
            },
            GFP_KERNEL,
        )?;
        Ok(InFlightEntry { set: self, id })
    }
}

impl InFlight {
    /// If modprobe, loading `dep` for `consumer`, would first load a module
    /// that is waiting (directly or not) for `consumer`, returns the cycle as
    /// text: "X -> consumer -> dep -> X".
    fn cycle_through(&self, consumer: Name, dep: Name) -> Option<KVec<u8>> {
        let waiting = self.waiting_for(consumer).ok()?;
        let blocker = modules_dep::needs_any(&dep, &waiting)?;
        let mut text = TextBuf(KVec::new());
        let _ = write!(text, "{blocker}");
        write_waits(&mut text, &self.entries.lock(), blocker, consumer);
        if blocker != consumer {
            let _ = write!(text, " -> {consumer}");
        }
        let _ = write!(text, " -> {dep} -> {blocker}");
        Some(text.0)
    }

    /// `consumer` and every module whose load waits, directly or through
    /// others, for `consumer`'s.
    fn waiting_for(&self, consumer: Name) -> Result<KVec<Name>> {
        let entries = self.entries.lock();
        let mut waiting = KVec::new();
        waiting.push(consumer, GFP_KERNEL)?;
        let mut grew = true;
        while grew {
            grew = false;
            for w in entries.iter() {
                let waits_on_set = w.waiting_for.is_some_and(|d| waiting.contains(&d));
                if waits_on_set && !waiting.contains(&w.consumer) {
                    waiting.push(w.consumer, GFP_KERNEL)?;
                    grew = true;
                }
            }
        }
        Ok(waiting)
    }
}

/// Prints "X -> Y -> ... -> X": what the load of `consumer` already in
/// flight waits for, and so on, back to `consumer`.
fn waiting_chain(entries: &[Waiter], consumer: Name) -> KVec<u8> {
    let mut text = TextBuf(KVec::new());
    let _ = write!(text, "{consumer}");
    write_waits(&mut text, entries, consumer, consumer);
    let _ = write!(text, " -> {consumer}");
    text.0
}

/// Writes " -> a -> b ...": what the in-flight load of `from` waits for, what
/// that one waits for, and so on, until the chain reaches `to` or ends.
fn write_waits(text: &mut TextBuf, entries: &[Waiter], from: Name, to: Name) {
    let mut current = from;
    for _ in 0..entries.len() {
        let next = entries
            .iter()
            .filter(|w| w.consumer == current)
            .find_map(|w| w.waiting_for);
        match next {
            Some(next) if next != to => {
                let _ = write!(text, " -> {next}");
                current = next;
            }
            _ => break,
        }
    }
}

/// A module's place in [`InFlight`]; removed on drop.
struct InFlightEntry<'a> {
    set: &'a InFlight,
    id: u64,
}

impl InFlightEntry<'_> {
    fn wait_for(&mut self, dep: Option<Name>) {
        let mut entries = self.set.entries.lock();
        if let Some(w) = entries.iter_mut().find(|w| w.id == self.id) {
            w.waiting_for = dep;
        }
    }
}

impl Drop for InFlightEntry<'_> {
    fn drop(&mut self) {
        let mut entries = self.set.entries.lock();
        if let Some(i) = entries.iter().position(|w| w.id == self.id) {
            let _ = entries.remove(i);
        }
        self.set.left.notify_all();
    }
}
