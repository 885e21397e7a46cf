// SPDX-License-Identifier: GPL-2.0
/* 33 exported functions (slot_fns.h), pl_slot_fnN(x) = x + N. */
#include <linux/module.h>

#include "slot_fns.h"

#define SLOT_FN_DEFINE(n)				\
	long pl_slot_fn##n(long x)			\
	{						\
		return x + n;				\
	}						\
	EXPORT_SYMBOL_GPL(pl_slot_fn##n);
SLOT_FNS(SLOT_FN_DEFINE)

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: 33 exports to interpose");
