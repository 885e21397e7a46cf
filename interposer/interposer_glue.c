// SPDX-License-Identifier: GPL-2.0
/*
 * The interposer's _printk() replacement and its declaration: C because
 * Rust cannot define a variadic function. The other replacements are Rust,
 * declared with preload_interpose! (sys.rs).
 */
#include <linux/module.h>
#include <linux/printk.h>

#include "preload_interpose.h"

/* What the replacement puts before each message (interposer_v2 has its own). */
#ifndef INTERPOSER_TAG
#define INTERPOSER_TAG "[interposer] "
#endif

/*
 * Prints a consumer's message with "[interposer] " after its log level,
 * through the real _printk() (call next). Continuation lines are untouched.
 */
static __printf(1, 2) int interposer_printk(const char *fmt, ...)
{
	int level = printk_get_level(fmt);
	struct va_format vaf;
	va_list args;
	int ret;

	va_start(args, fmt);
	vaf.fmt = printk_skip_level(fmt);
	vaf.va = &args;
	if (level == 'c')
		ret = _printk(KERN_CONT "%pV", &vaf);
	else if (level)
		ret = _printk("%c%c" INTERPOSER_TAG "%pV", KERN_SOH_ASCII, level, &vaf);
	else
		ret = _printk(INTERPOSER_TAG "%pV", &vaf);
	va_end(args);
	return ret;
}

PRELOAD_INTERPOSE(_printk, interposer_printk);
PRELOAD_SWAPPABLE();
