// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer of pl_slot_lib: reading /sys/module/pl_slots_user/parameters/
 * fn0 and fn32 calls pl_slot_fn0(1) and pl_slot_fn32(1).
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "slot_fns.h"

static int fn0_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", pl_slot_fn0(1));
}

static int fn32_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", pl_slot_fn32(1));
}

static const struct kernel_param_ops fn0_ops = { .get = fn0_get };
static const struct kernel_param_ops fn32_ops = { .get = fn32_get };
module_param_cb(fn0, &fn0_ops, NULL, 0444);
module_param_cb(fn32, &fn32_ops, NULL, 0444);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: calls two of pl_slot_lib's functions on demand");
