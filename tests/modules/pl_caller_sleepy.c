// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer whose call sleeps: reading /sys/module/pl_caller_sleepy/parameters/wait
 * calls sample_lib_wait(5000), which sleeps 5 s (inside an interposer's
 * replacement, if it is bound to one), and returns the result. Apart from
 * pl_caller_live, because reading a module's parameter holds that module's
 * parameter lock: another parameter of the same module would wait for it.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "sample_lib.h"

static int wait_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", sample_lib_wait(5000));
}

static const struct kernel_param_ops wait_ops = { .get = wait_get };
module_param_cb(wait, &wait_ops, NULL, 0444);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: a call that sleeps in sample_lib_wait");
