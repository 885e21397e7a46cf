// SPDX-License-Identifier: GPL-2.0
/*
 * An old version (0.9) of a swappable interposer of sample_lib_compute
 * (the original's result plus 500), to swap away from: its quiesce handler
 * sleeps quiesce_ms milliseconds (0 by default), so that a test can act
 * while a swap from it is under way; its replacement busy-waits spin_ms
 * milliseconds (0 by default) before it answers, with preemption enabled
 * and without sleeping, so that a test can have a task preempted inside it
 * while a swap starts; its start handler fails with -EIO while fail_start
 * is set; and it exports pl_old_value(), so that a consumer can use it like
 * any module, besides being bound to it.
 */
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/processor.h>
#include <linux/timekeeping.h>

#include "preload_interpose.h"
#include "sample_lib.h"

static unsigned int quiesce_ms;
module_param(quiesce_ms, uint, 0644);
MODULE_PARM_DESC(quiesce_ms, "how long the quiesce handler sleeps");

static unsigned int spin_ms;
module_param(spin_ms, uint, 0644);
MODULE_PARM_DESC(spin_ms, "how long the replacement busy-waits, preemptible, before it answers");

static bool fail_start;
module_param(fail_start, bool, 0644);
MODULE_PARM_DESC(fail_start, "whether the start handler fails");

static int old_compute(int x)
{
	unsigned int ms = READ_ONCE(spin_ms);

	if (ms) {
		ktime_t end = ktime_add_ms(ktime_get(), ms);

		pr_info(KBUILD_MODNAME ": spinning %u ms\n", ms);
		/* No cond_resched() and no sleep: only preemption takes the CPU. */
		while (ktime_before(ktime_get(), end))
			cpu_relax();
	}
	return sample_lib_compute(x) + 500;
}

int preload_start(void)
{
	return fail_start ? -EIO : 0;
}
PRELOAD_HANDLER(preload_start);

int preload_quiesce(void)
{
	pr_info(KBUILD_MODNAME ": quiescing (sleeping %u ms)\n", quiesce_ms);
	msleep(quiesce_ms);
	return 0;
}
PRELOAD_HANDLER(preload_quiesce);

int pl_old_value(void);
int pl_old_value(void)
{
	return 9;
}
EXPORT_SYMBOL_GPL(pl_old_value);

PRELOAD_INTERPOSE(sample_lib_compute, old_compute);
PRELOAD_SWAPPABLE();
MODULE_VERSION("0.9");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: an old swappable interposer with a slow quiesce handler and an export");
