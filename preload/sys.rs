// SPDX-License-Identifier: GPL-2.0

//! The one room for `unsafe`: the C glue's functions, the callbacks the glue
//! makes into Rust, and the raw pointers that cross between them. Everything
//! outside this file is safe Rust.

use crate::deps::{Name, NAME_MAX};
use crate::{loader, proc, State};
use core::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use core::marker::PhantomData;
use core::pin::Pin;
use kernel::prelude::*;
use kernel::seq_file::SeqFile;
use kernel::uaccess::{UserPtr, UserSlice};

mod glue {
    use core::ffi::{c_char, c_int, c_void};

    extern "C" {
        pub(super) fn preload_hooks_register(ctx: *const c_void) -> c_int;
        pub(super) fn preload_hooks_unregister();
        pub(super) fn preload_find_kernel_data() -> c_int;
        pub(super) fn preload_kernel_release() -> *const c_char;
        pub(super) fn preload_module_state(name: *const c_char) -> c_int;
        pub(super) fn preload_run_modprobe(name: *const c_char) -> c_int;
        pub(super) fn preload_spawned_by_kernel() -> bool;
        pub(super) fn preload_link(consumer: *mut c_void, dep: *const c_char) -> c_int;
        pub(super) fn preload_link_live(consumer: *const c_char, dep: *const c_char) -> c_int;
        pub(super) fn preload_unlink_live(consumer: *const c_char, dep: *const c_char) -> c_int;
        pub(super) fn preload_module_hold(name: *const c_char) -> bool;
        pub(super) fn preload_module_release(name: *const c_char);
        pub(super) fn preload_call_handler(handler: usize) -> c_int;
        pub(super) fn preload_call_export(handler: usize, buf: *mut u8, len: usize) -> isize;
        pub(super) fn preload_call_import(handler: usize, buf: *const u8, len: usize) -> c_int;
        pub(super) fn preload_wait_quiescent(
            name: *const c_char,
            timeout_ms: u32,
            buf: *mut c_char,
            len: usize,
        ) -> c_int;
        pub(super) fn preload_slot_count() -> usize;
        pub(super) fn preload_slot_address(slot: usize) -> usize;
        pub(super) fn preload_slot_set(slot: usize, func: usize);
        pub(super) fn preload_proc_create(ctx: *const c_void) -> c_int;
        pub(super) fn preload_proc_remove();
        pub(super) fn preload_config_path(chosen: *mut bool) -> *const c_char;
        pub(super) fn preload_modules_dep_path(buf: *mut c_char, len: usize);
        pub(super) fn preload_read_file(
            path: *const c_char,
            buf: *mut *mut c_void,
            max: usize,
            initial_root: bool,
        ) -> isize;
        pub(super) fn preload_free_file(buf: *mut c_void);
        pub(super) fn preload_log_refusal() -> bool;
        pub(super) fn preload_strict_interpose() -> bool;
        pub(super) fn preload_image_section(
            image: *const c_void,
            name: *const c_char,
            len: *mut usize,
        ) -> *const c_void;
        pub(super) fn preload_image_symbol(
            image: *const c_void,
            index: u32,
            name: *mut *const c_char,
            undefined: *mut bool,
        ) -> c_int;
        pub(super) fn preload_image_takes_address(image: *const c_void, index: u32) -> bool;
        pub(super) fn preload_plan_set(
            module: *const c_char,
            bindings: *const super::Binding<'_>,
            count: usize,
        ) -> c_int;
        pub(super) fn preload_module_function(module: *mut c_void, name: *const c_char) -> usize;
        pub(super) fn preload_plan_take(module: *const c_void) -> *mut c_void;
        pub(super) fn preload_plan_binding(
            plan: *const c_void,
            i: usize,
        ) -> *const super::Binding<'static>;
        pub(super) fn preload_plan_free(plan: *mut c_void);
        pub(super) fn preload_indirect_target(address: usize) -> bool;
    }
}

/// Turns a C `int` return value into a `Result`, keeping non-negative values.
fn to_result(ret: c_int) -> Result<c_int> {
    if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        Ok(ret)
    }
}

/// A short NUL-terminated C string in a fixed buffer of `N` bytes.
pub(crate) struct CBuf<const N: usize>([u8; N]);

impl<const N: usize> CBuf<N> {
    /// The string, up to its NUL.
    pub(crate) fn as_cstr(&self) -> &CStr {
        CStr::from_bytes_until_nul(&self.0).unwrap_or(c"")
    }

    fn as_ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }
}

/// A module name as a C string.
type CName = CBuf<{ NAME_MAX + 1 }>;

impl CName {
    fn new(name: &Name) -> Self {
        let mut buf = [0u8; NAME_MAX + 1];
        let bytes = name.as_bytes();
        buf[..bytes.len()].copy_from_slice(bytes);
        CBuf(buf)
    }
}

/// Where a module is in its life, as the loader sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModuleState {
    /// Not loaded.
    Absent,
    /// Loaded and initialised.
    Live,
    /// Being loaded by some task (unformed or coming).
    Loading,
    /// Being unloaded.
    Going,
    /// Built into the kernel: always present, nothing to link.
    BuiltIn,
}

/// Returns the state of the module called `name`.
pub(crate) fn module_state(name: &Name) -> ModuleState {
    let name = CName::new(name);
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    match unsafe { glue::preload_module_state(name.as_ptr()) } {
        0 => ModuleState::Live,
        1 => ModuleState::Loading,
        2 => ModuleState::Going,
        3 => ModuleState::BuiltIn,
        _ => ModuleState::Absent,
    }
}

/// Runs `modprobe -q -- name` as the kernel's on-demand loading does, outside
/// its limit of 50 concurrent requests; returns modprobe's wait status (0 on
/// success). Sleeps until modprobe exits. [`find_kernel_data`] succeeded.
pub(crate) fn run_modprobe(name: &Name) -> Result<c_int> {
    let name = CName::new(name);
    // SAFETY: `name` is a NUL-terminated string that outlives the call;
    // `find_kernel_data` found `modprobe_path` before the hooks were set.
    to_result(unsafe { glue::preload_run_modprobe(name.as_ptr()) })
}

/// Whether the current task was started by the kernel, as the modprobe that
/// [`run_modprobe`] runs is.
pub(crate) fn spawned_by_kernel() -> bool {
    // SAFETY: The glue function has no preconditions.
    unsafe { glue::preload_spawned_by_kernel() }
}

/// Links the live module `consumer` to the live module `dep` (a swap), with
/// the `holders/` symlink the kernel makes only at load.
pub(crate) fn link_live(consumer: &Name, dep: &Name) -> Result<Link> {
    let (consumer, dep) = (CName::new(consumer), CName::new(dep));
    // SAFETY: Both names are NUL-terminated and outlive the call;
    // `find_kernel_data` succeeded before the module was set up.
    let ret = to_result(unsafe { glue::preload_link_live(consumer.as_ptr(), dep.as_ptr()) })?;
    Ok(if ret == 0 { Link::Added } else { Link::Present })
}

/// The swap slots: static-call trampolines that consumers of swappable
/// interposers bind to (swap_glue.c).
pub(crate) mod slots {
    use super::glue;

    /// How many there are.
    pub(crate) fn count() -> usize {
        // SAFETY: The glue function has no preconditions.
        unsafe { glue::preload_slot_count() }
    }

    /// The trampoline's address, which consumers bind to.
    pub(crate) fn address(slot: usize) -> usize {
        // SAFETY: The glue function checks the index.
        unsafe { glue::preload_slot_address(slot) }
    }

    /// The slot whose trampoline is at `address`, if one is.
    pub(crate) fn index_of(address: usize) -> Option<usize> {
        (0..count()).find(|&slot| self::address(slot) == address)
    }

    /// Points the trampoline at `func` (0: a plain return). Sleeps.
    pub(crate) fn set(slot: usize, func: usize) {
        // SAFETY: The glue function checks the index; `func` is a function
        // of a live module whose link the callers keep, or 0.
        unsafe { glue::preload_slot_set(slot, func) }
    }
}

/// Whether the function at `address` may be called through a pointer (on
/// an IBT kernel: it starts with an ENDBR the loader did not seal).
pub(crate) fn indirect_target(address: usize) -> bool {
    // SAFETY: The glue reads the address with a fault-safe copy.
    unsafe { glue::preload_indirect_target(address) }
}

/// Whether a refused write may be logged now (the kernel's default rate
/// limit: a writer must not flood the log).
pub(crate) fn log_refusal() -> bool {
    // SAFETY: The glue function has no preconditions.
    unsafe { glue::preload_log_refusal() }
}

/// Finds the loader's `module_mutex`, which `link` takes, and the kernel's
/// `modprobe_path`, which [`run_modprobe`] runs.
pub(crate) fn find_kernel_data() -> Result {
    // SAFETY: The glue function has no preconditions.
    to_result(unsafe { glue::preload_find_kernel_data() }).map(|_| ())
}

/// The running kernel's release, as `uname -r` prints it.
pub(crate) fn kernel_release() -> &'static CStr {
    // SAFETY: The glue returns the kernel's NUL-terminated release string,
    // which never goes away.
    unsafe { CStr::from_char_ptr(glue::preload_kernel_release().cast()) }
}

/// Removes the link from the live module `consumer` to `dep` that
/// [`link_live`] or [`ComingModule::link`] recorded, as the kernel does when
/// `consumer` unloads. `ENOENT` if there is none or `consumer` is not live.
pub(crate) fn unlink_live(consumer: &Name, dep: &Name) -> Result {
    let (consumer, dep) = (CName::new(consumer), CName::new(dep));
    // SAFETY: Both names are NUL-terminated and outlive the call;
    // `find_kernel_data` succeeded before the module was set up.
    to_result(unsafe { glue::preload_unlink_live(consumer.as_ptr(), dep.as_ptr()) }).map(|_| ())
}

/// A reference on a live module, as a user holds one: `rmmod` refuses the
/// module until it is dropped.
pub(crate) struct Hold(Name);

impl Hold {
    /// Takes one on the module `name`; `None` if it is not loaded and live.
    pub(crate) fn take(name: &Name) -> Option<Hold> {
        let cname = CName::new(name);
        // SAFETY: `cname` is NUL-terminated and outlives the call.
        unsafe { glue::preload_module_hold(cname.as_ptr()) }.then_some(Hold(*name))
    }
}

impl Hold {
    /// Waits until no task and no interrupt context runs the held module's
    /// code (`quiesce_glue.c`), for at most `timeout_ms` (0: no limit).
    /// `EINTR` at a signal, `ETIMEDOUT` at the limit: then `why` says what
    /// was still inside or unseen.
    pub(crate) fn wait_quiescent(&self, timeout_ms: u32, why: &mut [u8; 256]) -> Result {
        let name = CName::new(&self.0);
        // SAFETY: `name` is NUL-terminated and outlives the call; `why` is
        // writable for its length; the module is held.
        let ret = unsafe {
            glue::preload_wait_quiescent(
                name.as_ptr(),
                timeout_ms,
                why.as_mut_ptr().cast(),
                why.len(),
            )
        };
        to_result(ret).map(|_| ())
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        let name = CName::new(&self.0);
        // SAFETY: `name` is NUL-terminated; `take` took the reference this
        // drops, so the module is still loaded.
        unsafe { glue::preload_module_release(name.as_ptr()) }
    }
}

/// An interposer's lifecycle handlers, by address (see `lifecycle_glue.c`).
/// Each function takes the [`Hold`] that keeps the module's code loaded
/// while it runs; the addresses are functions of that module with the
/// signatures `lifecycle_glue.c` gives, found at its coming.
pub(crate) mod handlers {
    use super::{glue, to_result, Hold};
    use kernel::prelude::*;

    /// Calls `int handler(void)` (start, quiesce).
    pub(crate) fn call(_held: &Hold, handler: usize) -> Result {
        // SAFETY: See the module documentation.
        to_result(unsafe { glue::preload_call_handler(handler) }).map(|_| ())
    }

    /// Calls the state export handler into `buf`; returns the bytes written.
    pub(crate) fn export(_held: &Hold, handler: usize, buf: &mut [u8]) -> Result<usize> {
        // SAFETY: See the module documentation; `buf` is writable for its length.
        let n = unsafe { glue::preload_call_export(handler, buf.as_mut_ptr(), buf.len()) };
        if n < 0 {
            return Err(Error::from_errno(n as i32));
        }
        Ok((n as usize).min(buf.len()))
    }

    /// Calls the state import handler with `buf`.
    pub(crate) fn import(_held: &Hold, handler: usize, buf: &[u8]) -> Result {
        // SAFETY: See the module documentation; `buf` is readable for its length.
        to_result(unsafe { glue::preload_call_import(handler, buf.as_ptr(), buf.len()) })
            .map(|_| ())
    }
}

/// What `Module::link` did.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// A new dependency link was recorded.
    Added,
    /// Nothing to do: the link exists already, or the dependency is built in.
    Present,
}

/// A module that is being loaded, as handed to the `MODULE_STATE_COMING` notifier.
///
/// # Invariants
///
/// The pointer is the `struct module` of a module in state `COMING`, valid
/// while the notifier call that created this value runs.
pub(crate) struct ComingModule(*mut c_void);

impl ComingModule {
    /// Records that this module uses the live module `dep`: `rmmod dep` is
    /// refused until this module is gone, and lsmod and sysfs show the link.
    pub(crate) fn link(&self, dep: &Name) -> Result<Link> {
        let dep = CName::new(dep);
        // SAFETY: By the type invariant `self.0` is a valid coming module;
        // `dep` is NUL-terminated and outlives the call. `find_kernel_data`
        // succeeded before the notifier was registered.
        let ret = to_result(unsafe { glue::preload_link(self.0, dep.as_ptr()) })?;
        Ok(if ret == 0 { Link::Added } else { Link::Present })
    }

    /// The bindings planned for this module when it was relocated (in the
    /// loading task, which runs the `COMING` notifier), taken back from the
    /// glue; `None` if it had none.
    pub(crate) fn take_plan(&self) -> Option<TakenPlan> {
        // SAFETY: By the type invariant `self.0` is a valid coming module.
        let plan = unsafe { glue::preload_plan_take(self.0) };
        // INVARIANT: The glue handed the plan over.
        (!plan.is_null()).then_some(TakenPlan(plan))
    }

    /// The address of the function `name` in this module's core text.
    pub(crate) fn function_address(&self, name: &CStr) -> Option<usize> {
        // SAFETY: By the type invariant `self.0` is a valid coming module,
        // whose symbol table is set up; `name` is NUL-terminated.
        let address = unsafe { glue::preload_module_function(self.0, name.as_char_ptr().cast()) };
        (address != 0).then_some(address)
    }
}

/// A coming module's planned bindings; freed on drop.
///
/// # Invariants
///
/// The pointer is a `struct preload_plan` that `preload_plan_take` handed
/// over: no one else uses or frees it.
pub(crate) struct TakenPlan(*mut c_void);

impl TakenPlan {
    /// Each binding: the address a symbol was bound to, and its name.
    pub(crate) fn bindings(&self) -> impl Iterator<Item = (usize, &CStr)> {
        (0..).map_while(move |i| {
            // SAFETY: By the type invariant the plan is valid; the glue checks `i`.
            let binding = unsafe { glue::preload_plan_binding(self.0, i) };
            // SAFETY: A non-NULL result points to a binding of the plan,
            // which lives as long as `self`.
            let binding = unsafe { binding.as_ref() }?;
            // SAFETY: Its symbol is a NUL-terminated name stored in the plan.
            let symbol = unsafe { CStr::from_char_ptr(binding.symbol.cast()) };
            Some((binding.address as usize, symbol))
        })
    }
}

impl Drop for TakenPlan {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the plan is ours to free.
        unsafe { glue::preload_plan_free(self.0) }
    }
}

/// A module being loaded, before its symbols are bound, as handed to
/// `preload_rust_before_bind`.
///
/// # Invariants
///
/// The pointer is a `struct preload_image` whose ELF image has passed the
/// loader's checks, valid while the callback that created this value runs.
pub(crate) struct LoadingImage(*const c_void);

/// A symbol of a [`LoadingImage`].
pub(crate) struct ImageSymbol<'a> {
    /// Its index in the symbol table.
    pub(crate) index: u32,
    pub(crate) name: &'a CStr,
    /// Whether another module or the kernel must define it.
    pub(crate) undefined: bool,
}

impl LoadingImage {
    /// The `.modinfo` section: NUL-separated `key=value` strings.
    pub(crate) fn modinfo(&self) -> &[u8] {
        self.section(c".modinfo")
    }

    /// The bytes of the section called `name`; empty if there is none.
    pub(crate) fn section(&self, name: &CStr) -> &[u8] {
        let mut len = 0;
        // SAFETY: By the type invariant the image is valid; `name` is
        // NUL-terminated; `len` is a valid out-pointer.
        let data =
            unsafe { glue::preload_image_section(self.0, name.as_char_ptr().cast(), &mut len) };
        if data.is_null() || len == 0 {
            return &[];
        }
        // SAFETY: The glue returned a section of `len` bytes inside the
        // image (the loader checked that each section lies in it), which
        // outlives `self`.
        unsafe { core::slice::from_raw_parts(data.cast(), len) }
    }

    /// Whether the image takes the address of its undefined symbol `index`
    /// (any reference but a direct call or jump): it may call it through a
    /// pointer.
    pub(crate) fn takes_address(&self, index: u32) -> bool {
        // SAFETY: By the type invariant the image is valid; the glue checks
        // every section and relocation it reads against the image's bounds.
        unsafe { glue::preload_image_takes_address(self.0, index) }
    }

    /// The symbols, from index 1 (index 0 is the null symbol).
    pub(crate) fn symbols(&self) -> impl Iterator<Item = ImageSymbol<'_>> {
        (1u32..).map_while(move |index| {
            let mut name = core::ptr::null();
            let mut undefined = false;
            // SAFETY: By the type invariant the image is valid; the
            // out-pointers are valid.
            let ret =
                unsafe { glue::preload_image_symbol(self.0, index, &mut name, &mut undefined) };
            if ret != 0 {
                return None;
            }
            // SAFETY: The glue checked that the name starts inside the string
            // table, which the loader checked ends with a NUL; it lives as
            // long as the image.
            let name = unsafe { CStr::from_char_ptr(name.cast()) };
            Some(ImageSymbol {
                index,
                name,
                undefined,
            })
        })
    }
}

/// One planned binding: the undefined symbol `index`, named `symbol`, gets
/// `address`. Mirrors `struct preload_binding`.
#[repr(C)]
pub(crate) struct Binding<'a> {
    index: c_uint,
    address: c_ulong,
    symbol: *const c_char,
    _symbol: PhantomData<&'a CStr>,
}

impl<'a> Binding<'a> {
    pub(crate) fn new(index: u32, address: usize, symbol: &'a CStr) -> Self {
        Binding {
            index,
            address: address as c_ulong,
            symbol: symbol.as_char_ptr().cast(),
            _symbol: PhantomData,
        }
    }
}

/// Makes `bindings` the plan of the module `module` that is loading (an
/// empty slice removes its plan): once the loader has resolved those
/// symbols, they take the new addresses, just before relocation.
pub(crate) fn set_plan(module: &Name, bindings: &[Binding<'_>]) -> Result {
    let module = CName::new(module);
    // SAFETY: `module` is NUL-terminated; `bindings` holds `len` bindings whose
    // names outlive the call (the glue copies them).
    to_result(unsafe { glue::preload_plan_set(module.as_ptr(), bindings.as_ptr(), bindings.len()) })
        .map(|_| ())
}

/// Whether `strict_interpose` is set: interpose only flagged symbols.
pub(crate) fn strict_interpose() -> bool {
    // SAFETY: The glue function has no preconditions.
    unsafe { glue::preload_strict_interpose() }
}

/// The loader hooks; unregistered on drop.
pub(crate) struct Hooks(());

impl Hooks {
    /// Hooks the module loader, calling back with `state`.
    ///
    /// `state` must outlive the returned value (the module owns both and
    /// drops the hooks first).
    pub(crate) fn register(state: &State) -> Result<Self> {
        // SAFETY: The glue stores the pointer and hands it back to the
        // callbacks below until `preload_hooks_unregister` returns, which
        // happens in `drop`, before `state` goes away.
        to_result(unsafe { glue::preload_hooks_register(ctx(state)) })?;
        Ok(Hooks(()))
    }
}

impl Drop for Hooks {
    fn drop(&mut self) {
        // SAFETY: The hooks were registered in `register`.
        unsafe { glue::preload_hooks_unregister() };
    }
}

/// The `/proc/preload` directory and its files; removed on drop.
pub(crate) struct ProcEntries(());

impl ProcEntries {
    /// Creates `/proc/preload/{deps,stats}`, calling back with `state`, which
    /// must outlive the returned value.
    pub(crate) fn create(state: &State) -> Result<Self> {
        // SAFETY: As for `Hooks::register`: the pointer is used until
        // `preload_proc_remove` returns, in `drop`, before `state` goes away.
        to_result(unsafe { glue::preload_proc_create(ctx(state)) })?;
        Ok(ProcEntries(()))
    }
}

impl Drop for ProcEntries {
    fn drop(&mut self) {
        // SAFETY: The entries were created in `create`.
        unsafe { glue::preload_proc_remove() };
    }
}

/// The path of the config file, and whether the user chose it (`config=`).
pub(crate) fn config_path() -> (&'static CStr, bool) {
    let mut chosen = false;
    // SAFETY: The glue returns the module parameter's string or a literal;
    // both live as long as the module and are NUL-terminated.
    let path = unsafe { CStr::from_char_ptr(glue::preload_config_path(&mut chosen).cast()) };
    (path, chosen)
}

/// The path of the `modules.dep` modprobe reads on this kernel.
pub(crate) fn modules_dep_path() -> Option<CBuf<128>> {
    let mut path = CBuf([0; 128]);
    // SAFETY: The glue writes at most `len` bytes, NUL included.
    unsafe { glue::preload_modules_dep_path(path.0.as_mut_ptr().cast(), path.0.len()) };
    CStr::from_bytes_until_nul(&path.0).is_ok().then_some(path)
}

/// A whole file read into kernel memory; freed on drop.
///
/// # Invariants
///
/// `buf` points to `len` readable bytes allocated by the glue.
pub(crate) struct FileContents {
    buf: *mut c_void,
    len: usize,
}

impl FileContents {
    /// Reads the file at `path`, refusing files larger than `max` bytes.
    pub(crate) fn read(path: &CStr, max: usize) -> Result<Self> {
        Self::read_from(path, max, false)
    }

    /// Reads the file at `path` as the initial mount namespace sees it,
    /// where modprobe runs (`modules.dep`, `/sys/kernel/btf`).
    pub(crate) fn read_initial(path: &CStr, max: usize) -> Result<Self> {
        Self::read_from(path, max, true)
    }

    fn read_from(path: &CStr, max: usize, initial_root: bool) -> Result<Self> {
        let mut buf = core::ptr::null_mut();
        // SAFETY: `path` is NUL-terminated; `buf` is a valid out-pointer.
        let len = unsafe {
            glue::preload_read_file(path.as_char_ptr().cast(), &mut buf, max, initial_root)
        };
        if len < 0 {
            return Err(Error::from_errno(len as c_int));
        }
        Ok(FileContents {
            buf,
            len: len as usize,
        })
    }

    /// The file's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: By the type invariant `buf` holds `len` readable bytes.
        unsafe { core::slice::from_raw_parts(self.buf.cast(), self.len) }
    }
}

impl Drop for FileContents {
    fn drop(&mut self) {
        // SAFETY: `buf` came from the glue's reader (or is NULL).
        unsafe { glue::preload_free_file(self.buf) };
    }
}

fn ctx(state: &State) -> *const c_void {
    core::ptr::from_ref(state).cast()
}

/// # Safety
///
/// `ctx` must be the pointer given to the glue at registration, whose `State`
/// is still alive (the glue guarantees it: registrations end before it dies).
unsafe fn state<'a>(ctx: *const c_void) -> &'a State {
    // SAFETY: Guaranteed by the caller.
    unsafe { &*ctx.cast::<State>() }
}

/// # Safety
///
/// `name` must point to `len` readable bytes.
unsafe fn bytes<'a>(name: *const c_char, len: usize) -> &'a [u8] {
    // SAFETY: Guaranteed by the caller.
    unsafe { core::slice::from_raw_parts(name.cast(), len) }
}

/// Called by the replacement of `module_enforce_rwx_sections()` in the
/// loading task, before the module's symbols are bound.
///
/// # Safety
///
/// `ctx` as for [`state`]; `image` is the module's checked image; `name`
/// points to `len` bytes.
#[no_mangle]
unsafe extern "C" fn preload_rust_before_bind(
    ctx: *const c_void,
    image: *const c_void,
    name: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let (state, name) = unsafe { (state(ctx), bytes(name, len)) };
    // INVARIANT: The glue passes a checked image, valid during the call.
    match loader::before_bind(state, name, &LoadingImage(image)) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Called by the `MODULE_STATE_COMING` notifier.
///
/// # Safety
///
/// `ctx` as for [`state`]; `module` is the coming module; `name` points to
/// `len` bytes.
#[no_mangle]
unsafe extern "C" fn preload_rust_coming(
    ctx: *const c_void,
    module: *mut c_void,
    name: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let (state, name) = unsafe { (state(ctx), bytes(name, len)) };
    // INVARIANT: The notifier passes a coming module, valid during the call.
    match loader::coming(state, &ComingModule(module), name) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Called by the `MODULE_STATE_LIVE` notifier, after the module's init.
///
/// # Safety
///
/// `ctx` as for [`state`]; `name` points to `len` bytes.
#[no_mangle]
unsafe extern "C" fn preload_rust_live(ctx: *const c_void, name: *const c_char, len: usize) {
    // SAFETY: Guaranteed by the caller.
    let (state, name) = unsafe { (state(ctx), bytes(name, len)) };
    if let Ok(name) = Name::new(name) {
        state.interposers.live(&name);
    }
}

/// Called by the `MODULE_STATE_GOING` notifier.
///
/// # Safety
///
/// `ctx` as for [`state`]; `name` points to `len` bytes.
#[no_mangle]
unsafe extern "C" fn preload_rust_going(ctx: *const c_void, name: *const c_char, len: usize) {
    // SAFETY: Guaranteed by the caller.
    let (state, name) = unsafe { (state(ctx), bytes(name, len)) };
    loader::going(state, name);
}

/// Called for a write to `/proc/preload/swap`; returns 0 or a negative errno.
///
/// # Safety
///
/// `ctx` as for [`state`]; `request` points to `len` bytes.
#[no_mangle]
unsafe extern "C" fn preload_rust_swap(
    ctx: *const c_void,
    request: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let (state, request) = unsafe { (state(ctx), bytes(request, len)) };
    match crate::swap::request(state, request) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Called for a write to `/proc/preload/lifecycle`; returns 0 or a negative
/// errno.
///
/// # Safety
///
/// `ctx` as for [`state`]; `request` points to `len` bytes.
#[no_mangle]
unsafe extern "C" fn preload_rust_lifecycle(
    ctx: *const c_void,
    request: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let (state, request) = unsafe { (state(ctx), bytes(request, len)) };
    match crate::lifecycle::request(state, request) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Called when `/proc/preload/deps` is opened for writing. Returns the
/// writer, or NULL when out of memory.
///
/// # Safety
///
/// `ctx` as for [`state`].
#[no_mangle]
unsafe extern "C" fn preload_rust_deps_open(_ctx: *const c_void) -> *mut c_void {
    match KBox::pin_init(proc::Writer::new(), GFP_KERNEL) {
        // SAFETY: The writer is never moved out of its box: it goes back into
        // a pinned box in `preload_rust_deps_release`.
        Ok(writer) => KBox::into_raw(unsafe { Pin::into_inner_unchecked(writer) }).cast(),
        Err(_) => core::ptr::null_mut(),
    }
}

/// Called for each `write()` to `/proc/preload/deps`.
///
/// # Safety
///
/// `ctx` as for [`state`]; `writer` came from `preload_rust_deps_open` and has
/// not been released; `buf` is a user pointer to `len` bytes.
#[no_mangle]
unsafe extern "C" fn preload_rust_deps_write(
    _ctx: *const c_void,
    writer: *mut c_void,
    buf: *mut c_void,
    len: usize,
) -> isize {
    // SAFETY: Guaranteed by the caller.
    let writer = unsafe { &*writer.cast::<proc::Writer>() };
    let input = UserSlice::new(UserPtr::from_ptr(buf), len).reader();
    match writer.write(input, len) {
        Ok(written) => written as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// Called when a file opened for writing is closed: commits the new list if
/// `commit` and everything written was valid, then frees the writer.
///
/// # Safety
///
/// `ctx` as for [`state`]; `writer` came from `preload_rust_deps_open` and is
/// not used again.
#[no_mangle]
unsafe extern "C" fn preload_rust_deps_release(
    ctx: *const c_void,
    writer: *mut c_void,
    commit: bool,
) {
    // SAFETY: Guaranteed by the caller: the writer is ours to free, and it
    // was pinned when it was created.
    let writer = unsafe { Pin::new_unchecked(KBox::from_raw(writer.cast::<proc::Writer>())) };
    if commit {
        // SAFETY: Guaranteed by the caller.
        writer.commit(unsafe { state(ctx) });
    }
}

/// Prints the live list into a `seq_file`.
///
/// # Safety
///
/// `ctx` as for [`state`]; `m` is a valid `seq_file`.
#[no_mangle]
unsafe extern "C" fn preload_rust_deps_show(ctx: *const c_void, m: *mut c_void) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let (state, m) = unsafe { (state(ctx), SeqFile::from_raw(m.cast())) };
    proc::show_deps(state, m);
    0
}

/// Prints the interposers and their consumers into a `seq_file`.
///
/// # Safety
///
/// `ctx` as for [`state`]; `m` is a valid `seq_file`.
#[no_mangle]
unsafe extern "C" fn preload_rust_interposers_show(ctx: *const c_void, m: *mut c_void) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let (state, m) = unsafe { (state(ctx), SeqFile::from_raw(m.cast())) };
    state.interposers.show(m);
    0
}

/// Prints the counters into a `seq_file`.
///
/// # Safety
///
/// `ctx` as for [`state`]; `m` is a valid `seq_file`.
#[no_mangle]
unsafe extern "C" fn preload_rust_stats_show(ctx: *const c_void, m: *mut c_void) -> c_int {
    // SAFETY: Guaranteed by the caller.
    let (state, m) = unsafe { (state(ctx), SeqFile::from_raw(m.cast())) };
    state.stats.show(m);
    0
}
