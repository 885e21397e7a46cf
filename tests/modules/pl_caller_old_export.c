// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer that uses pl_old_interposer's export as well as the symbol it
 * redefines: reading /sys/module/pl_caller_old_export/parameters/call
 * returns "sample_lib_compute(21) pl_old_value()". The loader links it to
 * pl_old_interposer for the export, whatever preload does.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "sample_lib.h"

int pl_old_value(void);

static int call_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d %d\n", sample_lib_compute(21), pl_old_value());
}

static const struct kernel_param_ops call_ops = { .get = call_get };
module_param_cb(call, &call_ops, NULL, 0444);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: imports an interposer's export and a symbol it redefines");
