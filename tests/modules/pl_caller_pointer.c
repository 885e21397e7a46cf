// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer that calls an interposable function through a pointer, as a
 * callback table would: it keeps sample_lib_step's address in data, and
 * reading /sys/module/pl_caller_pointer/parameters/step calls it through
 * that pointer with 1 and returns the result.
 */
#include <linux/compiler.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "sample_lib.h"

static long (*step_fn)(long) = sample_lib_step;

static int step_get(char *buf, const struct kernel_param *kp)
{
	long (*fn)(long) = READ_ONCE(step_fn);

	return sysfs_emit(buf, "%ld\n", fn(1));
}

static const struct kernel_param_ops step_ops = { .get = step_get };
module_param_cb(step, &step_ops, NULL, 0444);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: calls an interposable function through a pointer");
