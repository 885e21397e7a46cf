/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test fixture modules: each logs "<name>: init" and "<name>: exit", so a
 * test can read the order of loads from the kernel log.
 */
#include <linux/init.h>
#include <linux/module.h>

/* Symbols some fixtures export for others. */
int pl_dep_value(void);
int pl_loop_x_value(void);

#define FIXTURE_MODULE(init_extra)					\
	static int __init fixture_init(void)				\
	{								\
		pr_info(KBUILD_MODNAME ": init\n");			\
		init_extra;						\
		return 0;						\
	}								\
	static void __exit fixture_exit(void)				\
	{								\
		pr_info(KBUILD_MODNAME ": exit\n");			\
	}								\
	module_init(fixture_init);					\
	module_exit(fixture_exit);					\
	MODULE_LICENSE("GPL");						\
	MODULE_DESCRIPTION("preload test fixture")
