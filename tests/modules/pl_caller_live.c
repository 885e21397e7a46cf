// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer that calls interposable symbols while it is loaded, not only at
 * init: reading /sys/module/pl_caller_live/parameters/compute calls
 * sample_lib_compute(21) and returns the result; reading .../say prints
 * "pl_caller_live: hello" with pr_info().
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "sample_lib.h"

static int compute_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", sample_lib_compute(21));
}

static const struct kernel_param_ops compute_ops = { .get = compute_get };
module_param_cb(compute, &compute_ops, NULL, 0444);

static int say_get(char *buf, const struct kernel_param *kp)
{
	pr_info(KBUILD_MODNAME ": hello\n");
	return sysfs_emit(buf, "said\n");
}

static const struct kernel_param_ops say_ops = { .get = say_get };
module_param_cb(say, &say_ops, NULL, 0444);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: calls interposable symbols on demand");
