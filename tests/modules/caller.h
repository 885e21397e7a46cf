/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Body of the fixtures that call symbols the sample interposer redefines:
 * each prints a message with pr_info() (_printk) and publishes what
 * sample_lib_compute(21) and sample_lib_step(1) returned, in its log and in
 * /sys/module/<name>/parameters/{compute,step}.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "preload_interpose.h"
#include "sample_lib.h"

static int compute;
module_param(compute, int, 0444);
static long step;
module_param(step, long, 0444);

static int __init caller_init(void)
{
	compute = sample_lib_compute(21);
	step = sample_lib_step(1);
	pr_info(KBUILD_MODNAME ": hello, compute=%d step=%ld\n", compute, step);
	return 0;
}

static void __exit caller_exit(void)
{
	pr_info(KBUILD_MODNAME ": exit\n");
}

module_init(caller_init);
module_exit(caller_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: calls interposable symbols");
