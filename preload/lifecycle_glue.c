// SPDX-License-Identifier: GPL-2.0
/*
 * Calling an interposer's lifecycle handlers (quiesce_glue.c waits until no
 * call is left in its code). Policy (which transition is legal) lives in Rust
 * (lifecycle.rs, interpose.rs); a handler is the address of a function the
 * interposer defines under a fixed name (interposer/preload_interpose/sys.rs
 * has the Rust macros).
 */
#include "glue.h"
#include "preload_interpose.h"

/*
 * Each handler is called through a pointer of the type preload_interpose.h
 * gives it, which its definition must have (kCFI checks the type of every
 * indirect call). preload checked, when the interposer came, that each one
 * may be called indirectly (preload_indirect_target()).
 */

/* preload_start(), preload_quiesce(): 0 or a negative errno. */
int preload_call_handler(unsigned long handler)
{
	preload_handler_fn *fn = (preload_handler_fn *)handler;

	return fn();
}

/* preload_state_export(): bytes written or a negative errno. */
ssize_t preload_call_export(unsigned long handler, u8 *buf, size_t len)
{
	preload_export_fn *fn = (preload_export_fn *)handler;

	return fn(buf, len);
}

/* preload_state_import(): 0 or a negative errno. */
int preload_call_import(unsigned long handler, const u8 *buf, size_t len)
{
	preload_import_fn *fn = (preload_import_fn *)handler;

	return fn(buf, len);
}
