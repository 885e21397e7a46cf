// SPDX-License-Identifier: GPL-2.0
/*
 * A caller of an interposable symbol whose init takes 3 seconds, to catch
 * a swap while a consumer is still loading.
 */
#include <linux/delay.h>
#include <linux/module.h>

#include "sample_lib.h"

static int __init caller_slow_init(void)
{
	msleep(3000);
	pr_info(KBUILD_MODNAME ": compute=%d\n", sample_lib_compute(21));
	return 0;
}

static void __exit caller_slow_exit(void)
{
}

module_init(caller_slow_init);
module_exit(caller_slow_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: a slow caller of interposable symbols");
