// SPDX-License-Identifier: GPL-2.0
/*
 * A swappable interposer of pl_slot_lib's 33 functions: each answers the
 * original's result plus SLOTS_ADD (1000 here, 2000 in pl_slots_b). It
 * takes 33 of preload's 64 swap slots, so pl_slots_a and pl_slots_b cannot
 * both be loaded: the second one's coming fails.
 */
#include <linux/module.h>

#include "preload_interpose.h"
#include "slot_fns.h"

#ifndef SLOTS_ADD
#define SLOTS_ADD 1000
#endif

#define SLOT_FN_REDEFINE(n)						\
	static long replacement_fn##n(long x)				\
	{								\
		return pl_slot_fn##n(x) + SLOTS_ADD;			\
	}								\
	PRELOAD_INTERPOSE(pl_slot_fn##n, replacement_fn##n);
SLOT_FNS(SLOT_FN_REDEFINE)

PRELOAD_SWAPPABLE();
MODULE_VERSION("1.0");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: a swappable interposer of 33 symbols");
