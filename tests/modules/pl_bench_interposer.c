// SPDX-License-Identifier: GPL-2.0
/*
 * A non-swappable interposer for the call benchmark: the sample's two
 * sample_lib replacements written in C (step adds 100 instead of 1, compute
 * calls next and adds 1000), so its consumers bind to them directly, with
 * no swap slot in between.
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
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: a non-swappable interposer for the call benchmark");
