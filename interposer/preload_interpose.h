/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations that preload.ko reads from a module's .modinfo (`modinfo`
 * shows them) to interpose symbols per consumer.
 *
 * In an interposer module:
 *
 *	PRELOAD_INTERPOSE(original, replacement);
 *
 * redefines the exported function @original with this module's function
 * @replacement, for the modules that list this module in preload's
 * dependency list, and for no other. @replacement must have @original's
 * type (checked at compile time) and may be static; it may call @original,
 * which binds normally in the interposer itself ("call next"). The macro
 * also makes the interposer import @original, so the kernel refuses to load
 * an interposer whose original nobody exports, or that it may not use
 * (GPL-only, namespaces), and the interposer holds a reference on the
 * original's owner.
 *
 * An interposer may also declare
 *
 *	PRELOAD_SWAPPABLE();
 *
 * to let preload move its consumers to another swappable interposer that
 * redefines the same symbols (a new version of it, see /proc/preload/swap):
 * its consumers then call it through a trampoline, one direct jump more.
 * Its MODULE_VERSION() is what a swap compares. After a swap, preload tells
 * when no call is left in the old version by checking every task's stack
 * (and each CPU's interrupt context) for addresses in its code, so the
 * replacements need nothing special: they are plain functions.
 *
 * Lifecycle handlers (see the README's "The interposer lifecycle") are
 * functions defined under fixed names with the types below, each declared
 * with PRELOAD_HANDLER(name), for example
 *
 *	int preload_start(void) { ... }
 *	PRELOAD_HANDLER(preload_start);
 *
 * preload calls them through pointers of exactly these types: the macro
 * takes the function's address, so that on an IBT kernel objtool keeps its
 * ENDBR (a function whose address nothing takes loses it at load, and a
 * call through a pointer then faults), and a definition of another type
 * does not compile (a kCFI kernel would trap on the call).
 *
 * In a consumer module:
 *
 *	PRELOAD_INTERPOSABLE(symbol);
 *
 * flags @symbol as one this module accepts another definition of. Flags
 * only matter when preload runs with strict_interpose=1: then only flagged
 * symbols are interposed, and the others bind to the originals.
 */
#ifndef PRELOAD_INTERPOSE_H
#define PRELOAD_INTERPOSE_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/module.h>

#define PRELOAD_INTERPOSE(original, replacement)				\
	static_assert(__same_type(&(original), &(replacement)),		\
		      #replacement "() must have the type of " #original "()"); \
	MODULE_INFO(interpose, #original ":" #replacement);		\
	static const void *const __preload_##original[2] __used = { &(original), &(replacement) }

#define PRELOAD_SWAPPABLE() MODULE_INFO(interpose_swappable, "yes")

/* The handlers' types, as preload calls them. */
typedef int preload_handler_fn(void);
typedef ssize_t preload_export_fn(u8 *buf, size_t len);
typedef int preload_import_fn(const u8 *buf, size_t len);

preload_handler_fn preload_start, preload_quiesce;
preload_export_fn preload_state_export;
preload_import_fn preload_state_import;

#define PRELOAD_HANDLER(name)							\
	static const void *const __preload_handler_##name __used = &(name)

#define PRELOAD_INTERPOSABLE(symbol) MODULE_INFO(interposable, #symbol)

#endif
