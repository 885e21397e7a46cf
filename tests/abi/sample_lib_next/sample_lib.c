// SPDX-License-Identifier: GPL-2.0
/*
 * sample_lib (interposer/sample_lib.c) as a next version might change it:
 * sample_lib_compute() takes and returns a long, so its CRC changes; the
 * other two exports keep their types, and so their CRCs.
 */
#include <linux/delay.h>
#include <linux/module.h>

long sample_lib_compute(long x)
{
	return 2 * x;
}
EXPORT_SYMBOL_GPL(sample_lib_compute);

long sample_lib_step(long x)
{
	return x + 1;
}
EXPORT_SYMBOL_GPL(sample_lib_step);

long sample_lib_wait(long ms)
{
	msleep(ms);
	return ms;
}
EXPORT_SYMBOL_GPL(sample_lib_wait);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("The next version of sample_lib: sample_lib_compute() takes a long");
