// SPDX-License-Identifier: GPL-2.0

//! Interposition: a consumer that lists an interposer binds the symbols the
//! interposer redefines to the interposer's functions; every other module
//! keeps the exported originals.
//!
//! An interposer says what it redefines in its `.modinfo`
//! (`interpose=ORIGINAL:REPLACEMENT`, see `deps/src/interpose.rs`). It must
//! import each ORIGINAL (the `PRELOAD_INTERPOSE()` macro makes sure of it),
//! so the loader itself proves, at the interposer's own load, that the
//! original is exported and usable. A consumer's symbols are resolved by the
//! loader as usual, with all of its checks, and then take the replacement's
//! address before relocation (`sys::set_plan`).
//!
//! A swappable interposer (`interpose_swappable=yes`) is reached through
//! swap slots instead: each of its symbols gets a static-call trampoline
//! (`sys::slots`) that jumps to the replacement, consumers bind to the
//! trampoline, and a swap to another interposer retargets the trampolines.

use crate::btf_check;
use crate::deps::{Edge, Name};
use crate::interpose_decl::{self as decl, DeclError};
use crate::lifecycle::{self, Handlers, Refusal, Stage, Transition};
use crate::sys::{self, handlers, Binding, ComingModule, Hold, Link, LoadingImage, ModuleState};
use kernel::prelude::*;
use kernel::seq_file::{seq_print, SeqFile};
use kernel::sync::{CondVar, Mutex};
use kernel::time::{Instant, Monotonic};
use kernel::{new_condvar, new_mutex};

/// The interposers preload saw load, and the consumers bound to them.
#[pin_data]
pub(crate) struct Interposers {
    #[pin]
    registry: Mutex<Registry>,
    /// Whether a request is waiting for a quiescing interposer: one at a
    /// time, so that its state is handed over once. The others wait,
    /// interruptibly, on `quiesce_done`.
    #[pin]
    quiescing: Mutex<bool>,
    #[pin]
    quiesce_done: CondVar,
}

struct Registry {
    interposers: KVec<Interposer>,
    /// Who each swap slot serves, by index; `None` when free.
    slots: KVec<Option<Slot>>,
    /// Numbers the interposers that came, in order.
    last_generation: u64,
}

struct Interposer {
    module: Name,
    /// 0 until the module is coming and its functions have addresses.
    generation: u64,
    symbols: KVec<Symbol>,
    consumers: KVec<Name>,
    /// Consumers whose link to it is the loader's own (they import its
    /// exports), not preload's: preload never removes it.
    loader_linked: KVec<Name>,
    /// Consumers of a swappable interposer bound to a replacement itself,
    /// not to its swap slot, because they take its address: their pointers
    /// cannot follow a swap, so it is refused while they are loaded.
    pinned_by: KVec<Name>,
    /// Its modinfo `version`, possibly empty.
    version: KVec<u8>,
    swappable: bool,
    /// After a swap: the interposer that serves its consumers, and those
    /// that list it from now on.
    retired_to: Option<Name>,
    stage: Stage,
    /// Its start handler failed: it stays `loaded` and takes no consumer
    /// until a `start` succeeds.
    start_failed: bool,
    handlers: Handlers,
    /// preload's reference while it is started, if it declares a quiesce
    /// handler: it must be quiesced before it unloads.
    held: Option<Hold>,
    /// After a swap away from it, until it is quiesced: its former
    /// consumers, still linked to it, and the interposer its state goes to.
    retiring: KVec<Name>,
    hand_over_to: Option<Name>,
}

struct Symbol {
    /// Both NUL-terminated.
    original: KVec<u8>,
    replacement: KVec<u8>,
    address: usize,
    /// The swap slot new consumers bind to, for a swappable interposer.
    slot: Option<usize>,
}

/// A swap slot in use: the interposer it jumps into and for which symbol.
struct Slot {
    owner: Name,
    /// NUL-terminated.
    original: KVec<u8>,
}

impl Interposers {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Interposers {
            registry <- new_mutex!(Registry {
                interposers: KVec::new(),
                slots: KVec::new(),
                last_generation: 0,
            }),
            quiescing <- new_mutex!(false),
            quiesce_done <- new_condvar!(),
        })
    }

    /// Before `module`'s symbols are bound: notes its declarations if it is
    /// an interposer (refusing malformed ones, and replacements whose BTF
    /// type is not the original's), and plans the bindings of its undefined
    /// symbols to the interposers among `deps`.
    pub(crate) fn before_bind(&self, module: &Name, image: &LoadingImage, deps: &[Edge]) -> Result {
        let modinfo = image.modinfo();
        // Before the lock: it reads BTF files.
        btf_check::check(module, image, modinfo)?;
        let mut registry = self.registry.lock();
        registry.note_interposer(module, image, modinfo)?;
        let mut bindings = KVec::new();
        if !deps.is_empty() {
            registry.plan(module, image, modinfo, deps, &mut bindings)?;
        }
        // The glue copies the bindings, whose names point into `registry`.
        sys::set_plan(module, &bindings)
    }

    /// When `name` is coming: an interposer gets its functions' addresses;
    /// a consumer is linked to the interposers its symbols were bound to
    /// (and to preload, whose swap slots it calls) and counts as their
    /// user. `linked` are the dependencies preload has just linked it to.
    /// On failure nothing of `name` is left: the kernel frees a module whose
    /// coming preload refused without telling preload again.
    pub(crate) fn coming(&self, module: &ComingModule, name: &Name, linked: &[Name]) -> Result {
        let mut registry = self.registry.lock();
        let result = registry
            .interposer_coming(module, name)
            .and_then(|_| registry.consumer_coming(module, name, linked));
        if result.is_err() {
            registry.forget(name);
        }
        result
    }

    /// When `name` is going (unloaded, or its load failed after coming).
    pub(crate) fn going(&self, name: &Name) {
        self.registry.lock().forget(name);
    }

    /// Moves the consumers of the swappable interposer `old` to `new`, which
    /// must redefine every symbol `old` does, and retires `old`: its quiesce
    /// handler runs (and may refuse), each consumer is linked to `new`, every
    /// slot of `old` is pointed at `new`'s replacement, and once no call is
    /// left in `old` its state goes to `new` and its consumers' links to it
    /// are dropped, so it may unload. Both must be started. A version of
    /// `new` that is not newer than `old`'s needs `force`. The wait for `old`
    /// stops after `timeout_ms` (0: no limit), leaving it quiescing.
    pub(crate) fn swap(&self, old: &Name, new: &Name, force: bool, timeout_ms: u32) -> Result {
        let started = Instant::<Monotonic>::now();
        let quiesce = {
            let registry = self.registry.lock();
            registry.check_swap(old, new, force)?;
            registry.live(old).map_or(0, |i| i.handlers.quiesce)
        };
        // Both stay loaded until the swap is over: `rmmod` of either is
        // refused meanwhile (a NEW that went away would strand the slots).
        let (Some(held), Some(_held_new)) = (Hold::take(old), Hold::take(new)) else {
            pr_err!(
                "swap {} -> {} refused: one of them is loading or unloading; try again\n",
                old.as_str(),
                new.as_str()
            );
            return Err(EBUSY);
        };
        if quiesce != 0 {
            handlers::call(&held, quiesce).map_err(|e| {
                pr_err!(
                    "swap {} -> {} refused: {}'s quiesce handler failed (error {})\n",
                    old.as_str(),
                    new.as_str(),
                    old.as_str(),
                    e.to_errno()
                );
                e
            })?;
        }
        self.move_consumers(old, new, force)?;
        if self.complete_quiesce(old, timeout_ms)? {
            pr_info!(
                "swap {} -> {} done in {} us\n",
                old.as_str(),
                new.as_str(),
                started.elapsed().as_micros_ceil()
            );
        } else {
            pr_info!(
                "swap {} -> {} returned after {} us; {} is still quiescing\n",
                old.as_str(),
                new.as_str(),
                started.elapsed().as_micros_ceil(),
                old.as_str()
            );
        }
        Ok(())
    }

    /// The part of a swap done under the lock: `old`'s consumers, slots and
    /// users go to `new`, and `old` is quiescing.
    fn move_consumers(&self, old: &Name, new: &Name, force: bool) -> Result {
        let mut registry = self.registry.lock();
        // Again: the quiesce handler ran without the lock.
        registry.check_swap(old, new, force)?;
        let mut consumers = KVec::new();
        for consumer in registry.live(old).map_or(&[][..], |i| &i.consumers).iter() {
            consumers.push(*consumer, GFP_KERNEL)?;
        }
        let mut loader_linked = KVec::new();
        for consumer in consumers.iter() {
            match sys::link_live(consumer, new) {
                Ok(Link::Added) => {}
                // The loader's own link, or one the list asks for: it stays.
                Ok(Link::Present) => loader_linked.push(*consumer, GFP_KERNEL)?,
                // Not live: it is unloading, and unbinds with it (`new` is
                // held, so it is not the one going away).
                Err(ENOENT) => {}
                Err(e) => {
                    pr_err!(
                        "swap {} -> {}: cannot link {} to {} (error {}); nothing was swapped\n",
                        old.as_str(),
                        new.as_str(),
                        consumer.as_str(),
                        new.as_str(),
                        e.to_errno()
                    );
                    return Err(e);
                }
            }
        }
        let retargeted = registry.move_slots(old, new);
        let Registry { interposers, .. } = &mut *registry;
        let moved = interposers
            .iter_mut()
            .find(|i| i.module == *old)
            .map(|i| {
                i.retired_to = Some(*new);
                i.hand_over_to = Some(*new);
                i.stage =
                    lifecycle::next(i.stage, Transition::SwapFrom, 0).unwrap_or(Stage::Quiescing);
                i.symbols.iter_mut().for_each(|s| s.slot = None);
                core::mem::take(&mut i.consumers)
            })
            .unwrap_or_default();
        if let Some(i) = interposers.iter_mut().find(|i| i.module == *old) {
            for consumer in moved.iter() {
                i.retiring.push(*consumer, GFP_KERNEL)?;
            }
        }
        if let Some(i) = interposers.iter_mut().find(|i| i.module == *new) {
            i.retired_to = None;
            for consumer in moved.iter() {
                if !i.consumers.contains(consumer) {
                    i.consumers.push(*consumer, GFP_KERNEL)?;
                }
                if loader_linked.contains(consumer) && !i.loader_linked.contains(consumer) {
                    i.loader_linked.push(*consumer, GFP_KERNEL)?;
                }
            }
        }
        registry.adopt_slots(new);
        pr_info!(
            "swapped {} for {}: {} consumer(s), {} slot(s) retargeted; {} is quiescing\n",
            old.as_str(),
            new.as_str(),
            moved.len(),
            retargeted,
            old.as_str()
        );
        Ok(())
    }

    /// The interposer that serves for `name`, if `name` is an interposer
    /// retired by a swap: a consumer that lists `name` depends on that one.
    pub(crate) fn successor(&self, name: &Name) -> Option<Name> {
        let registry = self.registry.lock();
        registry.live(name)?.retired_to?;
        registry.serving(name).map(|i| i.module)
    }

    /// At `name`'s `MODULE_STATE_LIVE`: an interposer whose init has run is
    /// started.
    pub(crate) fn live(&self, name: &Name) {
        if let Ok(from) = self.begin_start(name, false) {
            let _ = self.finish_start(name, from);
        }
    }

    /// `start NAME`: a loaded or quiesced interposer serves again.
    pub(crate) fn start(&self, name: &Name) -> Result {
        let from = self.begin_start(name, true)?;
        self.finish_start(name, from)
    }

    /// Checks that `name` may start and marks it started; returns the stage
    /// it was in. Only `explicit` requests log a refusal.
    fn begin_start(&self, name: &Name, explicit: bool) -> Result<Stage> {
        let mut registry = self.registry.lock();
        let refuse = |why: &dyn kernel::fmt::Display, e: Error| {
            if explicit {
                lifecycle::refuse("start", name, why, e)
            } else {
                e
            }
        };
        let Some(i) = registry.live_mut(name) else {
            return Err(refuse(
                &fmt!("{} is not a loaded interposer", name.as_str()),
                ENOENT,
            ));
        };
        let from = i.stage;
        i.stage = lifecycle::next(from, Transition::Start, 0)
            .map_err(|why| refuse(&fmt!("{} is {}", name.as_str(), why), EINVAL))?;
        Ok(from)
    }

    /// Runs `name`'s start handler; on failure it goes back to `from`.
    fn finish_start(&self, name: &Name, from: Stage) -> Result {
        let start = self
            .registry
            .lock()
            .live(name)
            .map_or(0, |i| i.handlers.start);
        let Some(held) = Hold::take(name) else {
            // It is unloading.
            if let Some(i) = self.registry.lock().live_mut(name) {
                i.stage = from;
            }
            return Err(ENOENT);
        };
        let result = match start {
            0 => Ok(held),
            _ => handlers::call(&held, start).map(|_| held),
        };
        let mut registry = self.registry.lock();
        let Some(i) = registry.live_mut(name) else {
            return Err(ENOENT);
        };
        let held = match result {
            Ok(held) => held,
            Err(e) => {
                i.stage = from;
                i.start_failed = true;
                return Err(lifecycle::refuse(
                    "start",
                    name,
                    fmt!(
                        "its start handler failed (error {}); it stays {}",
                        e.to_errno(),
                        from.as_str()
                    ),
                    e,
                ));
            }
        };
        i.start_failed = false;
        let kept = i.handlers.quiesce != 0 && i.held.is_none();
        if kept {
            i.held = Some(held);
        }
        let needs_slots =
            i.swappable && i.retired_to.is_none() && i.symbols.iter().any(|s| s.slot.is_none());
        if needs_slots && registry.give_slots(name).is_err() {
            pr_warn!(
                "{}: started without swap slots; its consumers bind directly\n",
                name.as_str()
            );
        }
        pr_info!(
            "{}: started{}\n",
            name.as_str(),
            if kept {
                "; held until it is quiesced"
            } else {
                ""
            }
        );
        Ok(())
    }

    /// `quiesce NAME`: takes a started interposer that serves no consumer
    /// out of service (its quiesce handler may refuse) and waits until no
    /// call is left in it.
    pub(crate) fn quiesce(&self, name: &Name) -> Result {
        let (first, quiesce) = {
            let mut registry = self.registry.lock();
            let refuse = |why: &dyn kernel::fmt::Display, e: Error| {
                lifecycle::refuse("quiesce", name, why, e)
            };
            let Some(i) = registry.live_mut(name) else {
                return Err(refuse(
                    &fmt!("{} is not a loaded interposer", name.as_str()),
                    ENOENT,
                ));
            };
            let stage = lifecycle::next(i.stage, Transition::Quiesce, i.consumers.len()).map_err(
                |why| {
                    let error = if matches!(why, Refusal::Serves(_)) {
                        EBUSY
                    } else {
                        EINVAL
                    };
                    refuse(&fmt!("{} is {}", name.as_str(), why), error)
                },
            )?;
            let first = i.stage == Stage::Started;
            i.stage = stage;
            (first, i.handlers.quiesce)
        };
        if first && quiesce != 0 {
            let result = Hold::take(name)
                .ok_or(ENOENT)
                .and_then(|held| handlers::call(&held, quiesce));
            if let Err(e) = result {
                if let Some(i) = self.registry.lock().live_mut(name) {
                    i.stage = Stage::Started;
                }
                return Err(lifecycle::refuse(
                    "quiesce",
                    name,
                    fmt!(
                        "its quiesce handler failed (error {}); it stays started",
                        e.to_errno()
                    ),
                    e,
                ));
            }
        }
        self.complete_quiesce(name, 0).map(|_| ())
    }

    /// Waits until no call is left in the quiescing interposer `name`, then
    /// hands its state to the interposer a swap moved its consumers to,
    /// drops its former consumers' links and preload's reference: it is
    /// quiesced. After `timeout_ms` (0: no limit) it returns `false`, and
    /// `name` stays quiescing.
    fn complete_quiesce(&self, name: &Name, timeout_ms: u32) -> Result<bool> {
        let _turn = self.quiesce_turn().inspect_err(|_| {
            pr_warn!(
                "{}: interrupted while waiting for another quiescence; it stays quiescing (quiesce it again to finish)\n",
                name.as_str()
            )
        })?;
        let (export, to) = {
            let registry = self.registry.lock();
            let Some(i) = registry.live(name).filter(|i| i.stage == Stage::Quiescing) else {
                // Another request completed it meanwhile.
                return Ok(true);
            };
            let to = i
                .hand_over_to
                .and_then(|t| registry.live(&t))
                .map(|t| (t.module, t.handlers.import));
            (i.handlers.export, to)
        };
        let held = Hold::take(name).ok_or(ENOENT)?;
        let mut why = [0u8; 256];
        match held.wait_quiescent(timeout_ms, &mut why) {
            Ok(()) => {}
            Err(e) => {
                let why = CStr::from_bytes_until_nul(&why).map_or("", |w| w.to_str().unwrap_or(""));
                if e == ETIMEDOUT {
                    pr_warn!(
                        "{}: still quiescing after {} ms\n",
                        name.as_str(),
                        timeout_ms
                    );
                } else {
                    pr_warn!(
                        "{}: interrupted while waiting for it to quiesce\n",
                        name.as_str()
                    );
                }
                pr_warn!(
                    "{}: not yet seen outside it: {}; it stays quiescing (`quiesce {}` finishes it)\n",
                    name.as_str(),
                    why,
                    name.as_str()
                );
                return if e == ETIMEDOUT { Ok(false) } else { Err(e) };
            }
        }
        if let Some((to, import)) = to.filter(|(_, import)| export != 0 && *import != 0) {
            transfer_state(name, &held, export, &to, import);
        }
        let (retiring, reference) = {
            let mut registry = self.registry.lock();
            let Some(i) = registry.live_mut(name) else {
                return Err(ENOENT);
            };
            i.stage = Stage::Quiesced;
            i.hand_over_to = None;
            let mut retiring = core::mem::take(&mut i.retiring);
            // Those that import its exports keep the loader's link.
            retiring.retain(|c| !i.loader_linked.contains(c));
            (retiring, i.held.take())
        };
        for consumer in retiring.iter() {
            // ENOENT: it unloaded meanwhile, and its link went with it.
            let _ = sys::unlink_live(consumer, name);
        }
        drop(reference);
        pr_info!(
            "{}: quiesced: no call is left in it; {} former consumer(s) unlinked, it may unload\n",
            name.as_str(),
            retiring.len()
        );
        Ok(true)
    }

    /// Waits, interruptibly, until no other request is waiting for a
    /// quiescing interposer; the turn ends when the value is dropped.
    fn quiesce_turn(&self) -> Result<QuiesceTurn<'_>> {
        let mut busy = self.quiescing.lock();
        while *busy {
            if self.quiesce_done.wait_interruptible(&mut busy) {
                return Err(EINTR);
            }
        }
        *busy = true;
        Ok(QuiesceTurn(self))
    }

    /// Prints one line per live interposer: `NAME bound=N consumers=A,B
    /// symbols=X,Y version=V swap=yes|no|retired:NEW state=STAGE handlers=H`.
    pub(crate) fn show(&self, m: &SeqFile) {
        let registry = self.registry.lock();
        for i in registry.interposers.iter().filter(|i| i.generation != 0) {
            seq_print!(
                m,
                "{} bound={} consumers=",
                i.module.as_str(),
                i.consumers.len()
            );
            if i.consumers.is_empty() {
                seq_print!(m, "-");
            }
            for (n, consumer) in i.consumers.iter().enumerate() {
                let comma = if n == 0 { "" } else { "," };
                seq_print!(m, "{}{}", comma, consumer.as_str());
            }
            seq_print!(m, " symbols=");
            for (n, symbol) in i.symbols.iter().enumerate() {
                let comma = if n == 0 { "" } else { "," };
                seq_print!(m, "{}{}", comma, text(&symbol.original));
            }
            let version = if i.version.is_empty() {
                "-"
            } else {
                text(&i.version)
            };
            seq_print!(m, " version={} swap=", version);
            match i.retired_to {
                Some(to) => seq_print!(m, "retired:{}", to.as_str()),
                None if i.swappable => seq_print!(m, "yes"),
                None => seq_print!(m, "no"),
            }
            seq_print!(m, " state={} handlers=", i.stage.as_str());
            let mut declared = i.handlers.declared().peekable();
            if declared.peek().is_none() {
                seq_print!(m, "-");
            }
            for (n, handler) in declared.enumerate() {
                let comma = if n == 0 { "" } else { "," };
                seq_print!(m, "{}{}", comma, handler);
            }
            seq_print!(m, "\n");
        }
    }
}

/// A request's turn to wait for a quiescing interposer.
struct QuiesceTurn<'a>(&'a Interposers);

impl Drop for QuiesceTurn<'_> {
    fn drop(&mut self) {
        *self.0.quiescing.lock() = false;
        self.0.quiesce_done.notify_all();
    }
}

impl Registry {
    /// Forgets `name`, which is going or whose coming failed: as an
    /// interposer (its slots are freed, and those retired to it serve
    /// again), and as a consumer.
    fn forget(&mut self, name: &Name) {
        self.interposers.retain(|i| i.module != *name);
        for interposer in self.interposers.iter_mut() {
            interposer.consumers.retain(|c| c != name);
            interposer.loader_linked.retain(|c| c != name);
            interposer.pinned_by.retain(|c| c != name);
        }
        self.release_slots(name);
        self.reinstate_retired_to(name);
    }

    /// The live interposer called `name`.
    fn live(&self, name: &Name) -> Option<&Interposer> {
        self.interposers
            .iter()
            .find(|i| i.module == *name && i.generation != 0)
    }

    fn live_mut(&mut self, name: &Name) -> Option<&mut Interposer> {
        self.interposers
            .iter_mut()
            .find(|i| i.module == *name && i.generation != 0)
    }

    /// The live interposer that serves those who list `name`: `name`, or the
    /// one it was swapped for.
    fn serving(&self, name: &Name) -> Option<&Interposer> {
        let interposer = self.live(name)?;
        match interposer.retired_to {
            Some(to) => self.live(&to),
            None => Some(interposer),
        }
    }

    /// Records `module`'s `interpose=` declarations, if it has any, after
    /// checking that each is well formed, imports its original and defines
    /// its replacement.
    fn note_interposer(&mut self, module: &Name, image: &LoadingImage, modinfo: &[u8]) -> Result {
        if self.live(module).is_some() {
            // A second load of a loaded module; the loader refuses it.
            return Ok(());
        }
        self.interposers.retain(|i| i.module != *module);
        let mut symbols = KVec::new();
        for value in decl::modinfo_values(modinfo, decl::INTERPOSE_KEY) {
            let redefinition =
                decl::parse_redefinition(value).map_err(|e| refuse_interposer(module, value, e))?;
            let (original, replacement) = (redefinition.original, redefinition.replacement);
            if symbols.iter().any(|s: &Symbol| is(&s.original, original)) {
                return Err(refuse_interposer(module, value, "redefines it twice"));
            }
            let has = |name: &[u8], undefined: bool| {
                image
                    .symbols()
                    .any(|s| s.undefined == undefined && s.name.to_bytes() == name)
            };
            if !has(original, true) {
                return Err(refuse_interposer(
                    module,
                    value,
                    "it does not import the original (declare it with PRELOAD_INTERPOSE(), which does)",
                ));
            }
            if !has(replacement, false) {
                return Err(refuse_interposer(
                    module,
                    value,
                    "it does not define the replacement",
                ));
            }
            symbols.push(
                Symbol {
                    original: with_nul(original)?,
                    replacement: with_nul(replacement)?,
                    address: 0,
                    slot: None,
                },
                GFP_KERNEL,
            )?;
        }
        if !symbols.is_empty() {
            let mut version = KVec::new();
            if let Some(v) = decl::modinfo_values(modinfo, b"version").next() {
                version.extend_from_slice(v, GFP_KERNEL)?;
            }
            let interposer = Interposer {
                module: *module,
                generation: 0,
                symbols,
                consumers: KVec::new(),
                loader_linked: KVec::new(),
                pinned_by: KVec::new(),
                version,
                swappable: decl::modinfo_values(modinfo, decl::SWAPPABLE_KEY).any(|v| v == b"yes"),
                retired_to: None,
                stage: Stage::Loaded,
                start_failed: false,
                handlers: Handlers::default(),
                held: None,
                retiring: KVec::new(),
                hand_over_to: None,
            };
            self.interposers.push(interposer, GFP_KERNEL)?;
        }
        Ok(())
    }

    /// Gives a coming interposer its functions' addresses, its handlers, a
    /// generation and, if it is swappable, its swap slots. Every check that
    /// can refuse it comes first; nothing is changed unless all pass.
    fn interposer_coming(&mut self, module: &ComingModule, name: &Name) -> Result {
        let Some(index) = self
            .interposers
            .iter()
            .position(|i| i.module == *name && i.generation == 0)
        else {
            return Ok(());
        };
        let interposer = &self.interposers[index];
        let mut addresses = KVec::with_capacity(interposer.symbols.len(), GFP_KERNEL)?;
        for symbol in interposer.symbols.iter() {
            let replacement = cstr(&symbol.replacement);
            let address = module.function_address(replacement).ok_or_else(|| {
                pr_err!(
                    "{}: cannot be an interposer: {} is not a function in its core text\n",
                    name.as_str(),
                    text(&symbol.replacement)
                );
                EINVAL
            })?;
            // A consumer may call it through a pointer.
            check_indirect_target(name, text(&symbol.replacement), address)?;
            addresses.push(address, GFP_KERNEL)?;
        }
        let handlers = Handlers::find(module);
        for (handler, address) in handlers.all() {
            check_indirect_target(name, handler, address)?;
        }
        let swappable = interposer.swappable;
        let reserved = if swappable {
            self.reserve_slots(name)?
        } else {
            KVec::new()
        };
        // Nothing below fails.
        self.last_generation += 1;
        let interposer = &mut self.interposers[index];
        for (symbol, address) in interposer.symbols.iter_mut().zip(addresses.iter()) {
            symbol.address = *address;
        }
        interposer.handlers = handlers;
        interposer.generation = self.last_generation;
        let count = interposer.symbols.len();
        self.assign_slots(name, reserved);
        pr_info!(
            "{}: interposer of {} symbol(s){}\n",
            name.as_str(),
            count,
            if swappable { ", swappable" } else { "" }
        );
        Ok(())
    }

    /// Links the coming consumer `name` to the interposers the plan bound
    /// its symbols to (found from the bound addresses: a swap slot's owner
    /// now, or the interposer whose replacement it is), and to preload if
    /// it calls a swap slot, which is preload's code; counts it as their
    /// user. An interposer that went away or out of service since the plan
    /// refuses the load. `linked` are the dependencies preload linked it to.
    fn consumer_coming(&mut self, module: &ComingModule, name: &Name, linked: &[Name]) -> Result {
        let Some(plan) = module.take_plan() else {
            return Ok(());
        };
        let mut owners = KVec::new();
        // Owners it is bound to directly, bypassing their slots.
        let mut pinning = KVec::new();
        let mut through_slot = false;
        for (address, symbol) in plan.bindings() {
            let symbol = symbol.to_bytes();
            let owner = match sys::slots::index_of(address) {
                Some(index) => {
                    through_slot = true;
                    let slot = self.slots.get(index).and_then(|s| s.as_ref());
                    slot.filter(|s| is(&s.original, symbol)).map(|s| s.owner)
                }
                None => {
                    let owner = self
                        .interposers
                        .iter()
                        .filter(|i| i.generation != 0)
                        .find(|i| {
                            i.symbols
                                .iter()
                                .any(|s| s.address == address && is(&s.original, symbol))
                        })
                        .map(|i| i.module);
                    if let Some(owner) = owner.filter(|o| !pinning.contains(o)) {
                        pinning.push(owner, GFP_KERNEL)?;
                    }
                    owner
                }
            };
            let serving = owner.and_then(|o| self.live(&o)).filter(|i| i.binds());
            let Some(owner) = serving.map(|i| i.module) else {
                pr_err!(
                    "{0}: the interposer it was bound to for {1} went away or out of service while {0} was loading; refusing to load {0}\n",
                    name.as_str(),
                    text(symbol)
                );
                return Err(ENOENT);
            };
            if !owners.contains(&owner) {
                owners.push(owner, GFP_KERNEL)?;
            }
        }
        if through_slot {
            let preload = Name::new(b"preload").map_err(|_| EINVAL)?;
            module.link(&preload).inspect_err(|e| {
                pr_err!(
                    "{0}: cannot link {0} to preload, whose swap slots it calls (error {1}); refusing to load {0}\n",
                    name.as_str(),
                    e.to_errno()
                )
            })?;
        }
        for owner in owners.iter() {
            let link = module.link(owner).inspect_err(|e| {
                pr_err!(
                    "{0}: cannot link {0} to interposer {1} (error {2}); refusing to load {0}\n",
                    name.as_str(),
                    owner.as_str(),
                    e.to_errno()
                )
            })?;
            let own = link == Link::Added || linked.contains(owner);
            if let Some(i) = self.live_mut(owner) {
                i.consumers.push(*name, GFP_KERNEL)?;
                if !own {
                    i.loader_linked.push(*name, GFP_KERNEL)?;
                }
                if i.swappable && pinning.contains(owner) {
                    i.pinned_by.push(*name, GFP_KERNEL)?;
                }
            }
        }
        Ok(())
    }

    /// Gives each symbol of the interposer `name` a swap slot that jumps to
    /// its replacement; fails, taking none, if there are not enough free.
    fn give_slots(&mut self, name: &Name) -> Result {
        let reserved = self.reserve_slots(name)?;
        self.assign_slots(name, reserved);
        Ok(())
    }

    /// Picks a free swap slot for each symbol of the interposer `name`, in
    /// order, changing nothing; fails if there are not enough free.
    fn reserve_slots(&mut self, name: &Name) -> Result<KVec<(usize, Slot)>> {
        if self.slots.is_empty() {
            for _ in 0..sys::slots::count() {
                self.slots.push(None, GFP_KERNEL)?;
            }
        }
        let Some(interposer) = self.interposers.iter().find(|i| i.module == *name) else {
            return Ok(KVec::new());
        };
        let mut free = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_none())
            .map(|(i, _)| i);
        let mut reserved = KVec::with_capacity(interposer.symbols.len(), GFP_KERNEL)?;
        for symbol in interposer.symbols.iter() {
            let Some(index) = free.next() else {
                pr_err!(
                    "{}: cannot be a swappable interposer: {} swap slot(s) free, {} needed\n",
                    name.as_str(),
                    reserved.len(),
                    interposer.symbols.len()
                );
                return Err(ENOSPC);
            };
            let original = with_nul(strip_nul(&symbol.original))?;
            reserved.push(
                (
                    index,
                    Slot {
                        owner: *name,
                        original,
                    },
                ),
                GFP_KERNEL,
            )?;
        }
        Ok(reserved)
    }

    /// Points the slots `reserved` for the interposer `name` at its
    /// replacements, one per symbol, in order.
    fn assign_slots(&mut self, name: &Name, reserved: KVec<(usize, Slot)>) {
        let Registry {
            interposers, slots, ..
        } = self;
        let Some(interposer) = interposers.iter_mut().find(|i| i.module == *name) else {
            return;
        };
        for (symbol, (index, slot)) in interposer.symbols.iter_mut().zip(reserved) {
            if let Some(entry) = slots.get_mut(index) {
                *entry = Some(slot);
                sys::slots::set(index, symbol.address);
                symbol.slot = Some(index);
            }
        }
    }

    /// Frees the slots that jump into `name`, which is going: no consumer
    /// bound through them is left (each is linked to it).
    fn release_slots(&mut self, name: &Name) {
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if slot.as_ref().is_some_and(|s| s.owner == *name) {
                sys::slots::set(index, 0);
                *slot = None;
            }
        }
    }

    /// Interposers retired to `name`, which is going, serve again if they
    /// are started, with new slots (without any, their consumers bind
    /// directly, as logged); quiesced ones wait to be started.
    fn reinstate_retired_to(&mut self, name: &Name) {
        let mut retired = KVec::new();
        for interposer in self.interposers.iter_mut() {
            if interposer.retired_to == Some(*name) {
                interposer.retired_to = None;
                if interposer.stage == Stage::Started {
                    let _ = retired.push(interposer.module, GFP_KERNEL);
                }
            }
        }
        for module in retired.iter() {
            if self.give_slots(module).is_err() {
                pr_warn!("{}: serves again, without swap slots\n", module.as_str());
            }
        }
    }

    /// Refuses, saying why, a swap from `old` to `new` that is not allowed.
    fn check_swap(&self, old: &Name, new: &Name, force: bool) -> Result {
        let refuse = |why: &dyn kernel::fmt::Display, e: Error| {
            pr_err!(
                "swap {} -> {} refused: {}\n",
                old.as_str(),
                new.as_str(),
                why
            );
            e
        };
        let (Some(from), Some(to)) = (self.live(old), self.live(new)) else {
            let missing = if self.live(old).is_none() { old } else { new };
            return Err(refuse(
                &fmt!("{} is not a loaded interposer", missing.as_str()),
                ENOENT,
            ));
        };
        if old == new {
            return Err(refuse(&"they are the same module", EINVAL));
        }
        if let Err(why) = lifecycle::next(from.stage, Transition::SwapFrom, from.consumers.len()) {
            return Err(refuse(
                &fmt!("{} is {}, not started", old.as_str(), why),
                EINVAL,
            ));
        }
        if let Err(why) = lifecycle::next(to.stage, Transition::SwapTo, 0) {
            return Err(refuse(
                &fmt!("{} is {}; start it first", new.as_str(), why),
                EINVAL,
            ));
        }
        for (i, name, other) in [(from, old, new), (to, new, old)] {
            if !i.swappable {
                return Err(refuse(
                    &fmt!(
                        "{} is not swappable (no interpose_swappable=yes)",
                        name.as_str()
                    ),
                    EINVAL,
                ));
            }
            // Swapping back to the one retired for `old` is a rollback.
            if let Some(to) = i.retired_to.filter(|to| to != other || name == old) {
                return Err(refuse(
                    &fmt!("{} was swapped for {} already", name.as_str(), to.as_str()),
                    EINVAL,
                ));
            }
        }
        if let Some(c) = from.pinned_by.first() {
            return Err(refuse(
                &fmt!(
                    "{} takes the address of a function {} redefines and is bound to it directly: its pointers cannot follow a swap (unload {} first)",
                    c.as_str(),
                    old.as_str(),
                    c.as_str()
                ),
                EINVAL,
            ));
        }
        // Every consumer must be live, so that it can be linked to `new`: not
        // coming, nor unloading. (One still loading, before its coming, is
        // linked to whoever owns its slots at its coming.)
        if let Some(c) = from
            .consumers
            .iter()
            .find(|c| sys::module_state(c) != ModuleState::Live)
        {
            return Err(refuse(
                &fmt!("{} is loading or unloading; try again", c.as_str()),
                EBUSY,
            ));
        }
        for symbol in from.symbols.iter() {
            if symbol.slot.is_none() {
                return Err(refuse(
                    &fmt!(
                        "{}'s consumers are bound to its {} directly",
                        old.as_str(),
                        text(&symbol.original)
                    ),
                    EINVAL,
                ));
            }
            if !to.symbols.iter().any(|s| s.original == symbol.original) {
                return Err(refuse(
                    &fmt!(
                        "{} does not redefine {}, which {} does",
                        new.as_str(),
                        text(&symbol.original),
                        old.as_str()
                    ),
                    EINVAL,
                ));
            }
        }
        if !force && decl::version_newer(&to.version, &from.version) != Some(true) {
            return Err(refuse(
                &fmt!(
                    "{}'s version {} is not newer than {}'s {} (add force to swap anyway)",
                    new.as_str(),
                    version(&to.version),
                    old.as_str(),
                    version(&from.version)
                ),
                EINVAL,
            ));
        }
        Ok(())
    }

    /// Gives each symbol of `name` without a slot of its own (after a
    /// rollback to it) one of the slots that jump into it for that symbol.
    fn adopt_slots(&mut self, name: &Name) {
        let Registry {
            interposers, slots, ..
        } = self;
        let Some(interposer) = interposers.iter_mut().find(|i| i.module == *name) else {
            return;
        };
        for symbol in interposer.symbols.iter_mut().filter(|s| s.slot.is_none()) {
            symbol.slot = slots.iter().position(|slot| {
                slot.as_ref()
                    .is_some_and(|s| s.owner == *name && s.original == symbol.original)
            });
        }
    }

    /// Points every slot that jumps into `old` at `new`'s replacement for the
    /// same symbol (checked by `check_swap`); returns how many.
    fn move_slots(&mut self, old: &Name, new: &Name) -> usize {
        let Registry {
            interposers, slots, ..
        } = self;
        let Some(to) = interposers.iter().find(|i| i.module == *new) else {
            return 0;
        };
        let mut moved = 0;
        for (index, slot) in slots.iter_mut().enumerate() {
            let Some(slot) = slot.as_mut().filter(|s| s.owner == *old) else {
                continue;
            };
            if let Some(symbol) = to.symbols.iter().find(|s| s.original == slot.original) {
                sys::slots::set(index, symbol.address);
                slot.owner = *new;
                moved += 1;
            }
        }
        moved
    }

    /// Plans, for each undefined symbol of `consumer`, the binding to the
    /// first interposer among `deps` that redefines it. In strict mode only
    /// symbols the consumer flags `interposable` are bound.
    fn plan<'a>(
        &'a self,
        consumer: &Name,
        image: &LoadingImage,
        modinfo: &[u8],
        deps: &[Edge],
        bindings: &mut KVec<Binding<'a>>,
    ) -> Result {
        let strict = sys::strict_interpose();
        for edge in deps {
            let Some(interposer) = self.serving(&edge.dep).filter(|i| !i.binds()) else {
                continue;
            };
            let (name, stage) = (interposer.module.as_str(), interposer.state_text());
            if edge.optional {
                pr_warn!(
                    "{}: interposer {} is {}; loading without binding to it\n",
                    consumer.as_str(),
                    name,
                    stage
                );
                continue;
            }
            pr_err!(
                "{0}: interposer {1} is {2}; refusing to bind {0} to it (start it first)\n",
                consumer.as_str(),
                name,
                stage
            );
            return Err(EBUSY);
        }
        for symbol in image.symbols().filter(|s| s.undefined) {
            let name = symbol.name.to_bytes();
            let found = deps.iter().find_map(|edge| {
                let interposer = self.serving(&edge.dep).filter(|i| i.binds())?;
                let redefined = interposer.symbols.iter().find(|s| is(&s.original, name))?;
                Some((interposer, redefined))
            });
            let Some((interposer, redefined)) = found else {
                continue;
            };
            if strict && !decl::flags_symbol(modinfo, name) {
                pr_info!(
                    "{}: strict mode: {} is not flagged interposable; it binds to the original, not to {}'s {}\n",
                    consumer.as_str(),
                    text(&redefined.original),
                    interposer.module.as_str(),
                    text(&redefined.replacement)
                );
                continue;
            }
            pr_info!(
                "{}: binds {} to {}'s {}\n",
                consumer.as_str(),
                text(&redefined.original),
                interposer.module.as_str(),
                text(&redefined.replacement)
            );
            // A swap slot is a direct jump, no valid target of an indirect
            // call (no ENDBR, no kCFI type): a consumer that may call the
            // function through a pointer gets the replacement itself.
            let through_slot = redefined
                .slot
                .filter(|_| !image.takes_address(symbol.index));
            if redefined.slot.is_some() && through_slot.is_none() {
                pr_info!(
                    "{}: takes the address of {}: bound to {}'s {} itself, not to its swap slot; {} cannot be swapped while {} is loaded\n",
                    consumer.as_str(),
                    text(&redefined.original),
                    interposer.module.as_str(),
                    text(&redefined.replacement),
                    interposer.module.as_str(),
                    consumer.as_str()
                );
            }
            let address = through_slot.map_or(redefined.address, sys::slots::address);
            bindings.push(
                Binding::new(symbol.index, address, cstr(&redefined.original)),
                GFP_KERNEL,
            )?;
        }
        Ok(())
    }
}

impl Interposer {
    /// Whether a consumer may bind to it now: loaded (its start follows its
    /// init at once) or started, but not after its start handler failed.
    fn binds(&self) -> bool {
        self.stage.binds() && !self.start_failed
    }

    /// Its stage, for refusals.
    fn state_text(&self) -> &'static str {
        if self.start_failed {
            "loaded (its start handler failed)"
        } else {
            self.stage.as_str()
        }
    }
}

/// Refuses the interposer `module` if `function`, at `address`, cannot be
/// called through a pointer: on an IBT kernel, if the loader sealed its
/// ENDBR because nothing in the module takes its address.
fn check_indirect_target(module: &Name, function: &str, address: usize) -> Result {
    if sys::indirect_target(address) {
        return Ok(());
    }
    pr_err!(
        "{}: cannot be an interposer: {} has no ENDBR (sealed at load: nothing takes its address; declare it with PRELOAD_INTERPOSE(), PRELOAD_HANDLER() or the Rust macros), and it is called through a pointer\n",
        module.as_str(),
        function
    );
    Err(EINVAL)
}

/// Hands the state of `old`, which no call is in any more, to `new`, which
/// serves its consumers already (so `new` merges it into what it has). A
/// failure is logged, not undone: the calls are `new`'s either way.
fn transfer_state(old: &Name, held: &Hold, export: usize, new: &Name, import: usize) {
    let result = (|| -> Result<usize> {
        let to = Hold::take(new).ok_or(ENOENT)?;
        let mut state = KVec::from_elem(0u8, lifecycle::STATE_MAX, GFP_KERNEL)?;
        let len = handlers::export(held, export, &mut state)?;
        handlers::import(&to, import, &state[..len])?;
        Ok(len)
    })();
    match result {
        Ok(len) => pr_info!(
            "{} handed {} byte(s) of state to {}\n",
            old.as_str(),
            len,
            new.as_str()
        ),
        Err(e) => pr_err!(
            "{} could not hand its state to {} (error {})\n",
            old.as_str(),
            new.as_str(),
            e.to_errno()
        ),
    }
}

pub(crate) fn refuse_interposer(
    module: &Name,
    value: &[u8],
    why: impl kernel::fmt::Display,
) -> Error {
    pr_err!(
        "{}: cannot be an interposer: modinfo \"interpose={}\": {}\n",
        module.as_str(),
        text(value),
        why
    );
    EINVAL
}

impl kernel::fmt::Display for DeclError {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        f.write_str(self.reason())
    }
}

/// Whether the NUL-terminated `stored` is `name`.
fn is(stored: &[u8], name: &[u8]) -> bool {
    stored.strip_suffix(&[0]) == Some(name)
}

/// `bytes` with a NUL appended.
fn with_nul(bytes: &[u8]) -> Result<KVec<u8>> {
    let mut v = KVec::with_capacity(bytes.len() + 1, GFP_KERNEL)?;
    v.extend_from_slice(bytes, GFP_KERNEL)?;
    v.push(0, GFP_KERNEL)?;
    Ok(v)
}

/// A NUL-terminated buffer made by [`with_nul`] as a `CStr`.
fn cstr(bytes: &[u8]) -> &CStr {
    CStr::from_bytes_with_nul(bytes).unwrap_or(c"")
}

/// A modinfo version for log lines.
fn version(v: &[u8]) -> &str {
    if v.is_empty() {
        "none"
    } else {
        text(v)
    }
}

/// `bytes` without its NUL.
fn strip_nul(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(&[0]).unwrap_or(bytes)
}

/// Symbol names for log lines (they are ASCII).
fn text(bytes: &[u8]) -> &str {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    core::str::from_utf8(bytes).unwrap_or("?")
}
