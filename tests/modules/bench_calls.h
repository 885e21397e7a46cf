/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Body of the call benchmark fixtures: at load, times `calls` calls of
 * sample_lib_step() and of sample_lib_compute() and logs
 * "<name>: step <calls> calls <ns> ns" and the same for compute. Loaded
 * unlisted the calls are direct; listed with the interposer, they go to its
 * replacements (step's does not call next, compute's does).
 */
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/module.h>

#include "sample_lib.h"

static unsigned int calls = 1000000;
module_param(calls, uint, 0444);

static int __init bench_init(void)
{
	long acc = 0;
	unsigned int i;
	u64 start;

	start = ktime_get_ns();
	for (i = 0; i < calls; i++)
		acc = sample_lib_step(acc);
	pr_info(KBUILD_MODNAME ": step %u calls %llu ns (%ld)\n", calls, ktime_get_ns() - start, acc);
	start = ktime_get_ns();
	for (i = 0; i < calls; i++)
		acc += sample_lib_compute(i);
	pr_info(KBUILD_MODNAME ": compute %u calls %llu ns (%ld)\n", calls, ktime_get_ns() - start, acc);
	return 0;
}

static void __exit bench_exit(void)
{
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload benchmark fixture: timed calls of interposable symbols");
