// SPDX-License-Identifier: GPL-2.0
/*
 * An old version (0.9) of a swappable interposer of sample_lib_compute
 * (the original's result plus 500), to swap away from: its quiesce handler
 * sleeps quiesce_ms milliseconds (0 by default), so that a test can act
 * while a swap from it is under way; its start handler fails with -EIO
 * while fail_start is set; and it exports pl_old_value(), so that a
 * consumer can use it like any module, besides being bound to it.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "preload_interpose.h"
#include "sample_lib.h"

static unsigned int quiesce_ms;
module_param(quiesce_ms, uint, 0644);
MODULE_PARM_DESC(quiesce_ms, "how long the quiesce handler sleeps");

static bool fail_start;
module_param(fail_start, bool, 0644);
MODULE_PARM_DESC(fail_start, "whether the start handler fails");

static int old_compute(int x)
{
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
