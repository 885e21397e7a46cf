// SPDX-License-Identifier: GPL-2.0
/*
 * Deliberately wrong, for scripts/check-ibt-seal: preload calls
 * preload_start() through a pointer, but nothing here takes its address, so
 * on an IBT kernel objtool lists it in .ibt_endbr_seal and the loader NOPs
 * its ENDBR. tests/run proves the check names it (and it is never loaded).
 */
#include <linux/module.h>

#include "preload_interpose.h"
#include "sample_lib.h"

static long sealed_step(long x)
{
	return x + 100;
}

PRELOAD_INTERPOSE(sample_lib_step, sealed_step);

/* The prototype preload_interpose.h may declare too (no -Wmissing-prototypes). */
int preload_start(void);

int preload_start(void)
{
	return 0;
}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: an interposer whose preload_start() loses its ENDBR on IBT");
