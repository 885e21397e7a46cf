// SPDX-License-Identifier: GPL-2.0
/*
 * A swappable interposer for the call benchmark: pl_bench_interposer's two
 * replacements, the same plain functions, reached through a swap slot.
 * Unlike the sample it keeps no state of its own, so its consumers' calls
 * cost what swappability costs: the slot's jump.
 */
#include <linux/module.h>

#include "preload_interpose.h"
#include "sample_lib.h"

static long bench_step(long x)
{
	return x + 100;
}

static int bench_compute(int x)
{
	return sample_lib_compute(x) + 1000;
}

PRELOAD_INTERPOSE(sample_lib_step, bench_step);
PRELOAD_INTERPOSE(sample_lib_compute, bench_compute);
PRELOAD_SWAPPABLE();
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: a swappable interposer for the call benchmark");
