// SPDX-License-Identifier: GPL-2.0
/*
 * Module bookkeeping 7.3 does not export: looking a module up by name and
 * recording a real dependency link (struct module_use), as the kernel's own
 * static ref_module() does. Only exported functions are called.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/kmod.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/utsname.h>

#include "glue.h"

/*
 * Mirrors struct module_use in kernel/module/internal.h (7.3), which
 * internals.rs checks against the running kernel's BTF: the layout below.
 */
struct preload_module_use {
	struct list_head source_list;
	struct list_head target_list;
	struct module *source, *target;
};
static_assert(offsetof(struct preload_module_use, source_list) == 0);
static_assert(offsetof(struct preload_module_use, target_list) == 16);
static_assert(offsetof(struct preload_module_use, source) == 32);
static_assert(offsetof(struct preload_module_use, target) == 40);
static_assert(sizeof(struct preload_module_use) == 48);

/* The running kernel's release, as uname -r prints it. */
const char *preload_kernel_release(void)
{
	return init_utsname()->release;
}

/* What preload_module_state() reports; negative values are errnos. */
enum { PRELOAD_LIVE, PRELOAD_LOADING, PRELOAD_GOING, PRELOAD_BUILTIN };

static struct mutex *module_mutex_ptr;
static char *modprobe_path_ptr;

/*
 * Returns the address of the kernel data symbol @name, which is not
 * exported. register_kprobe() resolves a name and stores the address in
 * kp.addr before it refuses a non-text address, so this finds it without
 * calling kallsyms_lookup_name(); sprint_symbol() double-checks.
 */
static void *find_kernel_data(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	char found[KSYM_SYMBOL_LEN];
	size_t len = strlen(name);

	if (!register_kprobe(&kp)) {
		unregister_kprobe(&kp);
		return NULL;
	}
	if (!kp.addr)
		return NULL;
	sprint_symbol(found, (unsigned long)kp.addr);
	if (strncmp(found, name, len) || strncmp(found + len, "+0x0/", 5))
		return NULL;
	return kp.addr;
}

/* Finds module_mutex, which preload_link() takes, and modprobe_path. */
int preload_find_kernel_data(void)
{
	module_mutex_ptr = find_kernel_data("module_mutex");
	modprobe_path_ptr = find_kernel_data("modprobe_path");
	return module_mutex_ptr && modprobe_path_ptr ? 0 : -ENOENT;
}

/* Returns the module named @name with a kobject reference, or NULL. */
static struct kobject *module_kobject_get(const char *name, struct module **mod)
{
	struct kobject *kobj = kset_find_obj(THIS_MODULE->mkobj.kobj.kset, name);

	if (kobj)
		*mod = container_of(kobj, struct module_kobject, kobj)->mod;
	return kobj;
}

/* Returns a PRELOAD_* state for the module named @name, or -ENOENT. */
int preload_module_state(const char *name)
{
	struct module *mod;
	struct kobject *kobj = module_kobject_get(name, &mod);
	int state;

	if (!kobj)
		return -ENOENT;
	if (!mod)
		state = PRELOAD_BUILTIN;
	else if (mod->state == MODULE_STATE_LIVE)
		state = PRELOAD_LIVE;
	else if (mod->state == MODULE_STATE_GOING)
		state = PRELOAD_GOING;
	else
		state = PRELOAD_LOADING;
	kobject_put(kobj);
	return state;
}

/*
 * modprobe's command line, freed when the helper is done with it (which
 * may be after a killed caller has returned).
 */
struct modprobe_args {
	char path[256];	/* KMOD_PATH_LEN, kernel/module/internal.h */
	char name[MODULE_NAME_LEN];
	char *argv[5];
};

static void free_modprobe_args(struct subprocess_info *info)
{
	kfree(info->data);
}

/*
 * Runs "modprobe -q -- @name" as request_module() does (the path in
 * /proc/sys/kernel/modprobe, a usermode helper started by a kernel thread,
 * waited for, killable), but not through request_module(): that admits 50
 * requests at once and fails a request still waiting after 5 s, and a
 * consumer's load holds its own slot, if it came through request_module(),
 * while it asks for its dependency. The throttle is there against
 * unbounded recursion, which the list cannot cause: preload refuses cycles.
 * Returns modprobe's wait status (0 on success) or a negative errno.
 */
int preload_run_modprobe(const char *name)
{
	static char *envp[] = { "HOME=/", "TERM=linux",
				"PATH=/sbin:/usr/sbin:/bin:/usr/bin", NULL };
	struct subprocess_info *info;
	struct modprobe_args *args = kzalloc(sizeof(*args), GFP_KERNEL);

	if (!args)
		return -ENOMEM;
	strscpy(args->path, modprobe_path_ptr, sizeof(args->path));
	strscpy(args->name, name, sizeof(args->name));
	if (!args->path[0]) {
		kfree(args);
		return -ENOENT;
	}
	args->argv[0] = args->path;
	args->argv[1] = "-q";
	args->argv[2] = "--";
	args->argv[3] = args->name;
	info = call_usermodehelper_setup(args->path, args->argv, envp, GFP_KERNEL,
					 NULL, free_modprobe_args, args);
	if (!info) {
		kfree(args);
		return -ENOMEM;
	}
	return call_usermodehelper_exec(info, UMH_WAIT_PROC | UMH_KILLABLE);
}

/*
 * True if the current task was started by a kernel thread, as the modprobe
 * that preload_run_modprobe() runs is: a load from there that meets its own
 * module already waiting for dependencies is a cycle, not a concurrent load.
 */
bool preload_spawned_by_kernel(void)
{
	bool ret;

	rcu_read_lock();
	ret = rcu_dereference(current->real_parent)->flags & PF_KTHREAD;
	rcu_read_unlock();
	return ret;
}

/*
 * Records that @consumer uses the live module named @dep: 0 when linked,
 * 1 when there was nothing to do (already linked, or @dep is built in),
 * -ENOENT when @dep is not loaded and live.
 */
int preload_link(struct module *consumer, const char *dep)
{
	struct preload_module_use *use, *existing;
	struct module *target;
	struct kobject *kobj = module_kobject_get(dep, &target);
	int ret = 0;

	if (!kobj)
		return -ENOENT;
	if (!target) {
		kobject_put(kobj);
		return 1;
	}
	use = kmalloc(sizeof(*use), GFP_KERNEL);
	if (!use) {
		kobject_put(kobj);
		return -ENOMEM;
	}
	mutex_lock(module_mutex_ptr);
	list_for_each_entry(existing, &target->source_list, source_list) {
		if (existing->source == consumer)
			ret = 1;
	}
	if (!ret && (target->state != MODULE_STATE_LIVE || !try_module_get(target)))
		ret = -ENOENT;
	if (!ret) {
		use->source = consumer;
		use->target = target;
		list_add(&use->source_list, &target->source_list);
		list_add(&use->target_list, &consumer->target_list);
		use = NULL;
	}
	mutex_unlock(module_mutex_ptr);
	kfree(use);
	kobject_put(kobj);
	return ret;
}

/*
 * Links the live module @consumer to the live module @dep after both have
 * loaded (a swap), as preload_link() does while @consumer loads, and adds
 * the holders/ symlink the kernel makes only at load; the kernel removes
 * it with the link when @consumer unloads. A reference on @consumer keeps
 * it from unloading meanwhile. Returns as preload_link(), -ENOENT also when
 * @consumer is not live.
 */
int preload_link_live(const char *consumer, const char *dep)
{
	struct module *mod = NULL, *target = NULL;
	struct kobject *kobj = module_kobject_get(consumer, &mod);
	struct kobject *dep_kobj;
	int ret = -ENOENT;

	if (!kobj)
		return -ENOENT;
	if (mod && try_module_get(mod)) {
		ret = preload_link(mod, dep);
		dep_kobj = ret == 0 ? module_kobject_get(dep, &target) : NULL;
		if (dep_kobj && target && target->holders_dir &&
		    sysfs_create_link(target->holders_dir, &mod->mkobj.kobj, mod->name))
			pr_warn("%s: no holders/ link to %s in sysfs\n", dep, mod->name);
		if (dep_kobj)
			kobject_put(dep_kobj);
		module_put(mod);
	}
	kobject_put(kobj);
	return ret;
}

/*
 * Removes the link from the live module @consumer to @dep that
 * preload_link() or preload_link_live() recorded, with its holders/ symlink,
 * as the kernel does when @consumer unloads (module_unload_free(),
 * del_usage_links()): @dep may then unload before @consumer. For an
 * interposer retired by a swap, once no call is left in it. Returns 0, or
 * -ENOENT when there is no such link or @consumer is not live.
 */
int preload_unlink_live(const char *consumer, const char *dep)
{
	struct preload_module_use *use, *found = NULL;
	struct module *mod = NULL;
	struct kobject *kobj = module_kobject_get(consumer, &mod);

	if (!kobj)
		return -ENOENT;
	if (!mod || !try_module_get(mod)) {
		kobject_put(kobj);
		return -ENOENT;
	}
	mutex_lock(module_mutex_ptr);
	list_for_each_entry(use, &mod->target_list, target_list) {
		if (!strcmp(use->target->name, dep)) {
			found = use;
			break;
		}
	}
	if (found) {
		list_del(&found->source_list);
		list_del(&found->target_list);
	}
	mutex_unlock(module_mutex_ptr);
	if (found) {
		if (found->target->holders_dir)
			sysfs_remove_link(found->target->holders_dir, mod->name);
		module_put(found->target);
		kfree(found);
	}
	module_put(mod);
	kobject_put(kobj);
	return found ? 0 : -ENOENT;
}

/*
 * Takes a reference on the module named @name, as a user would, so that
 * rmmod refuses it ("in use"); false if it is not loaded and live.
 */
bool preload_module_hold(const char *name)
{
	struct module *mod = NULL;
	struct kobject *kobj = module_kobject_get(name, &mod);
	bool held;

	if (!kobj)
		return false;
	held = mod && try_module_get(mod);
	kobject_put(kobj);
	return held;
}

/* Drops a reference preload_module_hold() took. */
void preload_module_release(const char *name)
{
	struct module *mod = NULL;
	struct kobject *kobj = module_kobject_get(name, &mod);

	if (!kobj)
		return;
	if (mod)
		module_put(mod);
	kobject_put(kobj);
}

/*
 * The bounds of the core text of the live module @name (its functions),
 * which the caller holds; false if it is not loaded.
 */
bool preload_module_text(const char *name, unsigned long *start, unsigned long *end)
{
	struct module *mod = NULL;
	struct kobject *kobj = module_kobject_get(name, &mod);

	if (!kobj)
		return false;
	if (mod) {
		*start = (unsigned long)mod->mem[MOD_TEXT].base;
		*end = *start + mod->mem[MOD_TEXT].size;
	}
	kobject_put(kobj);
	return mod;
}
