// SPDX-License-Identifier: GPL-2.0
/*
 * The interposer's _printk() replacement and its declaration: C because
 * Rust cannot define a variadic function; and its per-CPU count of the
 * calls it answered, because 7.3's Rust has no per-CPU API. The other
 * replacements are Rust, declared with preload_interpose! (sys.rs).
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/sysfs.h>

#include "preload_interpose.h"

/* What the replacement puts before each message (interposer_v2 has its own). */
#ifndef INTERPOSER_TAG
#define INTERPOSER_TAG "[interposer] "
#endif

/*
 * Prints a consumer's message with "[interposer] " after its log level,
 * through the real _printk() (call next). Continuation lines are untouched.
 */
static int tagged_printk(const char *fmt, va_list *args)
{
	int level = printk_get_level(fmt);
	struct va_format vaf = { .fmt = printk_skip_level(fmt), .va = args };

	if (level == 'c')
		return _printk(KERN_CONT "%pV", &vaf);
	if (level)
		return _printk("%c%c" INTERPOSER_TAG "%pV", KERN_SOH_ASCII, level, &vaf);
	return _printk(INTERPOSER_TAG "%pV", &vaf);
}

/* The replacement. */
static __printf(1, 2) int interposer_printk(const char *fmt, ...)
{
	va_list args;
	int ret;

	va_start(args, fmt);
	ret = tagged_printk(fmt, &args);
	va_end(args);
	return ret;
}

/*
 * The sample's state (sample_state.rs): the calls its replacements of
 * sample_lib answered, counted per CPU and summed when read.
 */
static DEFINE_PER_CPU(u64, answered);

/* Called from Rust (sys.rs). */
void interposer_count_call(void);
u64 interposer_calls(void);
u64 interposer_take_calls(void);
void interposer_add_calls(u64 calls);

void interposer_count_call(void)
{
	this_cpu_inc(answered);
}

u64 interposer_calls(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(answered, cpu);
	return sum;
}

/* The count, zeroed; only while no call can add to it (quiesced). */
u64 interposer_take_calls(void)
{
	u64 sum = interposer_calls();
	int cpu;

	for_each_possible_cpu(cpu)
		per_cpu(answered, cpu) = 0;
	return sum;
}

void interposer_add_calls(u64 calls)
{
	this_cpu_add(answered, calls);
}

/* As /sys/module/NAME/parameters/calls. */
static int calls_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", interposer_calls());
}

static const struct kernel_param_ops calls_ops = { .get = calls_get };
module_param_cb(calls, &calls_ops, NULL, 0444);
MODULE_PARM_DESC(calls, "calls its replacements of sample_lib answered, its predecessors' included");

PRELOAD_INTERPOSE(_printk, interposer_printk);
PRELOAD_SWAPPABLE();
