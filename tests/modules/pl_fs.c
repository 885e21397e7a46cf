// SPDX-License-Identifier: GPL-2.0
/*
 * A file system type that loads on demand (alias fs-pl_fs), for kmod's
 * selftest: its get_fs_type() tests need a file system built as a module.
 * Nothing mounts it.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>

static int pl_fs_init_fs_context(struct fs_context *fc)
{
	return -EOPNOTSUPP;
}

static struct file_system_type pl_fs_type = {
	.owner = THIS_MODULE,
	.name = "pl_fs",
	.init_fs_context = pl_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

static int __init pl_fs_init(void)
{
	pr_info(KBUILD_MODNAME ": init\n");
	return register_filesystem(&pl_fs_type);
}

static void __exit pl_fs_exit(void)
{
	unregister_filesystem(&pl_fs_type);
	pr_info(KBUILD_MODNAME ": exit\n");
}

module_init(pl_fs_init);
module_exit(pl_fs_exit);
MODULE_ALIAS_FS("pl_fs");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: a file system type");
