// SPDX-License-Identifier: GPL-2.0
/*
 * Calling an interposer's lifecycle handlers, and waiting until no call is
 * left in its code. Policy (which transition is legal) lives in Rust
 * (lifecycle.rs, interpose.rs); a handler is the address of a function the
 * interposer defines under a fixed name (see preload_interpose.rs).
 */
#include <linux/delay.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>

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

/*
 * Waits until no task executes in an interposer that nothing calls any more
 * (its slots point elsewhere): @in_flight is its long preload_in_flight(void),
 * the number of calls inside its replacements, which count themselves on
 * entry and on return (per CPU: see PRELOAD_IN_FLIGHT_COUNTER()). A task can
 * be in the few instructions between the slot's jump and that count, or
 * between the count and the return, only if it did not sleep there
 * (nothing there sleeps): an RCU-tasks grace period,
 * which ends once every task has been seen off the CPU voluntarily, in user
 * space or idle, waits for it. So: a grace period (every call that got in is
 * counted), the count down to zero (sleepers inside have returned), a grace
 * period (the last return instructions are done). Returns 0, or -EINTR if a
 * signal came while calls were still in flight. An interposer that keeps no
 * count (@in_flight is 0: not swappable) is quiesced only once no consumer
 * is bound to it, so no call can have entered it since; one grace period
 * covers a task that has not left its last return yet.
 */
int preload_wait_quiescent(unsigned long in_flight)
{
	preload_in_flight_fn *count = (preload_in_flight_fn *)in_flight;

	synchronize_rcu_tasks();
	if (!count)
		return 0;
	while (count()) {
		if (signal_pending(current))
			return -EINTR;
		msleep_interruptible(10);
	}
	synchronize_rcu_tasks();
	return 0;
}
