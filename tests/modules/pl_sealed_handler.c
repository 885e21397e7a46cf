// SPDX-License-Identifier: GPL-2.0
/*
 * Deliberately wrong: preload calls preload_start() through a pointer, but
 * nothing here takes its address (no PRELOAD_HANDLER()), so on an IBT
 * kernel objtool lists it in .ibt_endbr_seal and the loader NOPs its ENDBR.
 * tests/run proves that scripts/check-ibt-seal names it, and the guest case
 * interposer-sealed-handler that preload refuses it at its load.
 */
#include <linux/module.h>

#include "preload_interpose.h"
#include "sample_lib.h"

static long sealed_step(long x)
{
	return x + 100;
}

PRELOAD_INTERPOSE(sample_lib_step, sealed_step);

int preload_start(void)
{
	return 0;
}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: an interposer whose preload_start() loses its ENDBR on IBT");
