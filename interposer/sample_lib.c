// SPDX-License-Identifier: GPL-2.0
/*
 * A small library module: the "other module" whose exports the sample
 * interposer redefines for its consumers.
 */
#include <linux/delay.h>
#include <linux/module.h>

#include "sample_lib.h"

/* Twice @x. The interposer's version adds 1000 to this (it calls it). */
int sample_lib_compute(int x)
{
	return 2 * x;
}
EXPORT_SYMBOL_GPL(sample_lib_compute);

/* @x + 1. The interposer's version adds 100 instead, without calling it. */
long sample_lib_step(long x)
{
	return x + 1;
}
EXPORT_SYMBOL_GPL(sample_lib_step);

/* Sleeps @ms milliseconds and returns @ms; the interposer's version adds 1000 (it calls it). */
long sample_lib_wait(long ms)
{
	msleep(ms);
	return ms;
}
EXPORT_SYMBOL_GPL(sample_lib_wait);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Library whose functions the sample interposer redefines");
