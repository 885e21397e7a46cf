// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer that looks pl_dep_value() up when it loads, with symbol_get(),
 * as drivers with optional helpers do: it has no undefined symbol, so
 * neither its depends= nor modules.dep names pl_dep and modprobe loads it
 * alone. Without pl_dep loaded it refuses to load (ENOENT), saying so.
 */
#include "fixture.h"

static int (*value)(void);

static int __init pl_lookup_init(void)
{
	pr_info(KBUILD_MODNAME ": init\n");
	value = symbol_get(pl_dep_value);
	if (!value) {
		pr_err(KBUILD_MODNAME ": pl_dep_value is not loaded\n");
		return -ENOENT;
	}
	pr_info(KBUILD_MODNAME ": pl_dep_value() = %d\n", value());
	return 0;
}

static void __exit pl_lookup_exit(void)
{
	symbol_put(pl_dep_value);
	pr_info(KBUILD_MODNAME ": exit\n");
}

module_init(pl_lookup_init);
module_exit(pl_lookup_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture");
