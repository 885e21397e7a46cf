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

use crate::btf_check;
use crate::deps::{Edge, Name};
use crate::interpose_decl::{self as decl, DeclError};
use crate::sys::{self, Binding, ComingModule, LoadingImage};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::seq_file::{seq_print, SeqFile};
use kernel::sync::Mutex;

/// The interposers preload saw load, and the consumers bound to them.
#[pin_data]
pub(crate) struct Interposers {
    #[pin]
    registry: Mutex<Registry>,
}

struct Registry {
    interposers: KVec<Interposer>,
    /// Consumers between their planning and their coming.
    planned: KVec<Planned>,
    /// Numbers live interposers, so a consumer can tell the instance it
    /// planned with from a later one of the same name.
    last_generation: u64,
}

struct Interposer {
    module: Name,
    /// 0 until the module is coming and its functions have addresses.
    generation: u64,
    symbols: KVec<Symbol>,
    consumers: KVec<Name>,
}

struct Symbol {
    /// Both NUL-terminated.
    original: KVec<u8>,
    replacement: KVec<u8>,
    address: usize,
}

/// The interposers (with their generations) a loading consumer binds to.
struct Planned {
    consumer: Name,
    interposers: KVec<(Name, u64)>,
}

impl Interposers {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Interposers {
            registry <- new_mutex!(Registry {
                interposers: KVec::new(),
                planned: KVec::new(),
                last_generation: 0,
            }),
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
        let mut planned = Planned {
            consumer: *module,
            interposers: KVec::new(),
        };
        let mut bindings = KVec::new();
        if !deps.is_empty() {
            registry.plan(module, image, modinfo, deps, &mut bindings, &mut planned)?;
        }
        // The glue copies the bindings, whose names point into `registry`.
        sys::set_plan(module, &bindings)?;
        drop(bindings);
        registry.planned.retain(|p| p.consumer != *module);
        if !planned.interposers.is_empty() {
            registry.planned.push(planned, GFP_KERNEL)?;
        }
        Ok(())
    }

    /// When `name` is coming: an interposer gets its functions' addresses;
    /// a consumer checks that the interposers it was bound to are the ones
    /// it is linked to, and counts as their user.
    pub(crate) fn coming(&self, module: &ComingModule, name: &Name) -> Result {
        let mut registry = self.registry.lock();
        registry.interposer_coming(module, name)?;
        let Some(i) = registry.planned.iter().position(|p| p.consumer == *name) else {
            return Ok(());
        };
        let planned = registry.planned.remove(i)?;
        let _ = sys::set_plan(name, &[]);
        for (interposer, generation) in planned.interposers.iter() {
            let same = registry.live(interposer).map(|i| i.generation) == Some(*generation);
            if !same || module.link(interposer).is_err() {
                pr_err!(
                    "{0}: interposer {1} went away while {0} was loading; refusing to load {0}\n",
                    name.as_str(),
                    interposer.as_str()
                );
                return Err(ENOENT);
            }
        }
        for (interposer, _) in planned.interposers.iter() {
            if let Some(i) = registry.interposers.iter_mut().find(|i| i.module == *interposer) {
                i.consumers.push(*name, GFP_KERNEL)?;
            }
        }
        Ok(())
    }

    /// When `name` is going (unloaded, or its load failed after coming).
    pub(crate) fn going(&self, name: &Name) {
        let mut registry = self.registry.lock();
        registry.interposers.retain(|i| i.module != *name);
        registry.planned.retain(|p| p.consumer != *name);
        for interposer in registry.interposers.iter_mut() {
            interposer.consumers.retain(|c| c != name);
        }
    }

    /// Prints one line per live interposer:
    /// `NAME bound=N consumers=A,B symbols=X,Y`.
    pub(crate) fn show(&self, m: &SeqFile) {
        let registry = self.registry.lock();
        for i in registry.interposers.iter().filter(|i| i.generation != 0) {
            seq_print!(m, "{} bound={} consumers=", i.module.as_str(), i.consumers.len());
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
            seq_print!(m, "\n");
        }
    }
}

impl Registry {
    /// The live interposer called `name`.
    fn live(&self, name: &Name) -> Option<&Interposer> {
        self.interposers
            .iter()
            .find(|i| i.module == *name && i.generation != 0)
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
            let redefinition = decl::parse_redefinition(value)
                .map_err(|e| refuse_interposer(module, value, e))?;
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
                return Err(refuse_interposer(module, value, "it does not define the replacement"));
            }
            symbols.push(
                Symbol {
                    original: with_nul(original)?,
                    replacement: with_nul(replacement)?,
                    address: 0,
                },
                GFP_KERNEL,
            )?;
        }
        if !symbols.is_empty() {
            let interposer = Interposer {
                module: *module,
                generation: 0,
                symbols,
                consumers: KVec::new(),
            };
            self.interposers.push(interposer, GFP_KERNEL)?;
        }
        Ok(())
    }

    /// Gives a coming interposer its functions' addresses and a generation.
    fn interposer_coming(&mut self, module: &ComingModule, name: &Name) -> Result {
        let Some(interposer) = self
            .interposers
            .iter_mut()
            .find(|i| i.module == *name && i.generation == 0)
        else {
            return Ok(());
        };
        for symbol in interposer.symbols.iter_mut() {
            let replacement = cstr(&symbol.replacement);
            symbol.address = module.function_address(replacement).ok_or_else(|| {
                pr_err!(
                    "{}: cannot be an interposer: {} is not a function in its core text\n",
                    name.as_str(),
                    text(&symbol.replacement)
                );
                EINVAL
            })?;
        }
        self.last_generation += 1;
        interposer.generation = self.last_generation;
        pr_info!(
            "{}: interposer of {} symbol(s)\n",
            name.as_str(),
            interposer.symbols.len()
        );
        Ok(())
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
        planned: &mut Planned,
    ) -> Result {
        let strict = sys::strict_interpose();
        for symbol in image.symbols().filter(|s| s.undefined) {
            let name = symbol.name.to_bytes();
            let found = deps.iter().find_map(|edge| {
                let interposer = self.live(&edge.dep)?;
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
            bindings.push(
                Binding::new(symbol.index, redefined.address, cstr(&redefined.original)),
                GFP_KERNEL,
            )?;
            let entry = (interposer.module, interposer.generation);
            if !planned.interposers.contains(&entry) {
                planned.interposers.push(entry, GFP_KERNEL)?;
            }
        }
        Ok(())
    }
}

pub(crate) fn refuse_interposer(module: &Name, value: &[u8], why: impl kernel::fmt::Display) -> Error {
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

/// Symbol names for log lines (they are ASCII).
fn text(bytes: &[u8]) -> &str {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    core::str::from_utf8(bytes).unwrap_or("?")
}
