// SPDX-License-Identifier: GPL-2.0
/*
 * The VFS side of /proc/preload/{deps,stats,interposers,swap,lifecycle} and of the files preload reads
 * (the config file, modules.dep); what the bytes mean is decided in Rust.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/sched/task.h>
#include <linux/utsname.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#include "glue.h"

static char *config;
module_param(config, charp, 0444);
MODULE_PARM_DESC(config, "dependency list to read at load time (default: /etc/preload-modules.conf if it exists)");

static const void *proc_ctx;
static struct proc_dir_entry *proc_dir;

static int deps_show(struct seq_file *m, void *v)
{
	return preload_rust_deps_show(proc_ctx, m);
}

static int deps_open(struct inode *inode, struct file *file)
{
	void *writer = NULL;
	int ret;

	if (file->f_mode & FMODE_WRITE) {
		if (!capable(CAP_SYS_MODULE))
			return -EPERM;
		writer = preload_rust_deps_open(proc_ctx);
		if (!writer)
			return -ENOMEM;
	}
	ret = single_open(file, deps_show, writer);
	if (ret && writer)
		preload_rust_deps_release(proc_ctx, writer, false);
	return ret;
}

/* Both the opener's and the writer's credentials must hold CAP_SYS_MODULE. */
static ssize_t deps_write(struct file *file, const char __user *buf, size_t len, loff_t *pos)
{
	struct seq_file *m = file->private_data;

	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_MODULE) || !capable(CAP_SYS_MODULE))
		return -EPERM;
	return preload_rust_deps_write(proc_ctx, m->private, (char __user *)buf, len);
}

static int deps_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	if (m->private)
		preload_rust_deps_release(proc_ctx, m->private, true);
	return single_release(inode, file);
}

static const struct proc_ops deps_ops = {
	.proc_open = deps_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_write = deps_write,
	.proc_release = deps_release,
};

/* One request in one write, handed to @handle; root only. */
static ssize_t request_write(struct file *file, const char __user *buf, size_t len,
			     int (*handle)(const void *ctx, const char *request, size_t len))
{
	char request[160];
	int ret;

	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_MODULE) || !capable(CAP_SYS_MODULE))
		return -EPERM;
	if (len >= sizeof(request))
		return -EINVAL;
	if (copy_from_user(request, buf, len))
		return -EFAULT;
	ret = handle(proc_ctx, request, len);
	return ret ? ret : len;
}

/* A swap request, "OLD NEW" or "OLD NEW force". */
static ssize_t swap_write(struct file *file, const char __user *buf, size_t len, loff_t *pos)
{
	return request_write(file, buf, len, preload_rust_swap);
}

static const struct proc_ops swap_ops = {
	.proc_write = swap_write,
};

/* A lifecycle request, "start NAME" or "quiesce NAME". */
static ssize_t lifecycle_write(struct file *file, const char __user *buf, size_t len,
			       loff_t *pos)
{
	return request_write(file, buf, len, preload_rust_lifecycle);
}

static const struct proc_ops lifecycle_ops = {
	.proc_write = lifecycle_write,
};

static int stats_show(struct seq_file *m, void *v)
{
	return preload_rust_stats_show(proc_ctx, m);
}

static int interposers_show(struct seq_file *m, void *v)
{
	return preload_rust_interposers_show(proc_ctx, m);
}

int preload_proc_create(const void *ctx)
{
	proc_ctx = ctx;
	proc_dir = proc_mkdir("preload", NULL);
	if (!proc_dir)
		return -ENOMEM;
	if (!proc_create("deps", 0600, proc_dir, &deps_ops) ||
	    !proc_create_single("stats", 0444, proc_dir, stats_show) ||
	    !proc_create_single("interposers", 0444, proc_dir, interposers_show) ||
	    !proc_create("swap", 0200, proc_dir, &swap_ops) ||
	    !proc_create("lifecycle", 0200, proc_dir, &lifecycle_ops)) {
		proc_remove(proc_dir);
		return -ENOMEM;
	}
	return 0;
}

/* Waits for running file operations and releases files still open. */
void preload_proc_remove(void)
{
	proc_remove(proc_dir);
}

/* The config file path, and whether the user chose it. */
const char *preload_config_path(bool *chosen)
{
	*chosen = config != NULL;
	return config ?: "/etc/preload-modules.conf";
}

/* The modules.dep that modprobe reads on this kernel (modprobe runs in the
 * initial namespaces: read it with initial_root). */
void preload_modules_dep_path(char *buf, size_t len)
{
	snprintf(buf, len, "/lib/modules/%s/modules.dep", init_utsname()->release);
}

/*
 * Reads a whole regular file (an empty one too) into a new vmalloc buffer;
 * with @initial_root, @path is looked up from init's root (the initial mount
 * namespace), where modprobe runs, not from the caller's, which may be a
 * container's. These are plain reads of configuration:
 * kernel_read_file() is for what the kernel will run or trust (modules,
 * firmware, policy), and its LSM hook has no purpose for a config file (IPE
 * warns on READING_UNKNOWN).
 */
ssize_t preload_read_file(const char *path, void **buf, size_t max, bool initial_root)
{
	struct file *file;
	loff_t size, pos = 0;
	ssize_t ret;

	*buf = NULL;
	if (initial_root) {
		struct path root;

		/*
		 * The root of init (pid 1). In 7.3 init_task's is an empty
		 * nullfs and init's is userspace_init_fs; in 7.2 init shares
		 * init_task's, and modprobe starts from it too.
		 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0)
		get_fs_root(userspace_init_fs, &root);
#else
		get_fs_root(init_task.fs, &root);
#endif
		file = file_open_root(&root, path, O_RDONLY, 0);
		path_put(&root);
	} else {
		file = filp_open(path, O_RDONLY, 0);
	}
	if (IS_ERR(file))
		return PTR_ERR(file);
	size = i_size_read(file_inode(file));
	if (!S_ISREG(file_inode(file)->i_mode))
		ret = -EINVAL;
	else if (size > max)
		ret = -EFBIG;
	else if (!(*buf = vmalloc(size ?: 1)))
		ret = -ENOMEM;
	else
		ret = 0;
	while (!ret && pos < size) {
		ret = kernel_read(file, *buf + pos, size - pos, &pos);
		if (ret > 0)
			ret = 0;
		else if (ret == 0)
			break;
	}
	fput(file);
	if (ret) {
		vfree(*buf);
		*buf = NULL;
		return ret;
	}
	return pos;
}

void preload_free_file(void *buf)
{
	vfree(buf);
}

/*
 * Whether a refused write may be logged now: any user with CAP_SYS_MODULE
 * can write thousands of bad lists a second, and the log is not theirs to
 * flood. The kernel's defaults: 10 messages per 5 seconds, then a count of
 * what was suppressed.
 */
bool preload_log_refusal(void)
{
	static DEFINE_RATELIMIT_STATE(refusals, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);

	return __ratelimit(&refusals);
}
