// SPDX-License-Identifier: GPL-2.0
/*
 * The two loader hooks, in C because 7.3's Rust has no ftrace or module
 * notifier API. Policy lives in Rust (loader.rs).
 *
 * 1. An ftrace IPMODIFY *replacement* of module_enforce_rwx_sections(), which
 *    layout_and_allocate() calls in the loading task after the signature and
 *    ELF checks and before any symbol is bound, with no module lock held:
 *    the one place where dependencies can be loaded. The replacement does the
 *    original's ten-line check itself instead of calling it, because calling
 *    a non-exported function through a pointer faults on IBT kernels.
 * 2. A module notifier at MODULE_STATE_COMING, which runs before sysfs is set
 *    up, so a link added there gets its holders/ symlink from the kernel; at
 *    MODULE_STATE_LIVE, to start an interposer once its init has run; and
 *    at MODULE_STATE_GOING, to forget interposers and their consumers.
 * 3. An ftrace callback at the entry of apply_relocate_add(), after the loader
 *    has bound the module's symbols and before it relocates with them: there
 *    the interposed symbols get their new values (interpose_glue.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/elf.h>
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/wait_bit.h>

#include "glue.h"

static const void *hook_ctx;
/* Tasks that were sent into preload_enforce_rwx_sections() and not yet out. */
static atomic_t tasks_in_hook = ATOMIC_INIT(0);
static unsigned char hooked_function[] = "module_enforce_rwx_sections";
static unsigned char relocate_function[] = "apply_relocate_add";

/* Same check as module_enforce_rwx_sections() in kernel/module/strict_rwx.c. */
static int preload_enforce_rwx_sections(const Elf_Ehdr *hdr, const Elf_Shdr *sechdrs,
					const char *secstrings, const struct module *mod)
{
	const unsigned long shf_wx = SHF_WRITE | SHF_EXECINSTR;
	int i, ret = 0;

	for (i = 0; IS_ENABLED(CONFIG_STRICT_MODULE_RWX) && i < hdr->e_shnum && !ret; i++) {
		if ((sechdrs[i].sh_flags & shf_wx) == shf_wx) {
			pr_err("%s: section %s (index %d) has invalid WRITE|EXEC flags\n",
			       mod->name, secstrings + sechdrs[i].sh_name, i);
			ret = -ENOEXEC;
		}
	}
	if (!ret) {
		struct preload_image image = {
			hdr, sechdrs, secstrings, mod, preload_image_symtab(hdr, sechdrs)
		};

		ret = preload_rust_before_bind(hook_ctx, &image, mod->name,
					       strnlen(mod->name, MODULE_NAME_LEN));
	}
	if (atomic_dec_and_test(&tasks_in_hook))
		wake_up_var(&tasks_in_hook);
	return ret;
}

static void notrace preload_ftrace_handler(unsigned long ip, unsigned long parent_ip,
					   struct ftrace_ops *ops, struct ftrace_regs *fregs)
{
	atomic_inc(&tasks_in_hook);
	ftrace_regs_set_instruction_pointer(fregs, (unsigned long)preload_enforce_rwx_sections);
}

static struct ftrace_ops preload_ftrace_ops = {
	.func = preload_ftrace_handler,
	.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT |
		 (IS_ENABLED(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS) ? 0 : FTRACE_OPS_FL_SAVE_REGS),
};

/* apply_relocate_add(sechdrs, strtab, symindex, relsec, me) */
static void notrace preload_relocate_handler(unsigned long ip, unsigned long parent_ip,
					     struct ftrace_ops *ops, struct ftrace_regs *fregs)
{
	preload_plan_apply((const struct module *)ftrace_regs_get_argument(fregs, 4),
			   (const Elf_Shdr *)ftrace_regs_get_argument(fregs, 0),
			   (const char *)ftrace_regs_get_argument(fregs, 1),
			   ftrace_regs_get_argument(fregs, 2));
}

static struct ftrace_ops preload_relocate_ops = {
	.func = preload_relocate_handler,
	.flags = FTRACE_OPS_FL_PERMANENT |
		 (IS_ENABLED(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS) ? 0 : FTRACE_OPS_FL_SAVE_REGS),
};

static int preload_module_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct module *mod = data;
	size_t len = strnlen(mod->name, MODULE_NAME_LEN);

	if (action == MODULE_STATE_COMING)
		return notifier_from_errno(preload_rust_coming(hook_ctx, mod, mod->name, len));
	if (action == MODULE_STATE_LIVE)
		preload_rust_live(hook_ctx, mod->name, len);
	if (action == MODULE_STATE_GOING)
		preload_rust_going(hook_ctx, mod->name, len);
	return NOTIFY_DONE;
}

static struct notifier_block preload_module_nb = { .notifier_call = preload_module_notify };

/*
 * Once the replacement is unhooked: waits until no task is left in it,
 * nor in the last instructions after its decrement (an RCU-tasks grace
 * period: none of them sleeps).
 */
static void wait_for_hooked_tasks(void)
{
	wait_var_event(&tasks_in_hook, !atomic_read(&tasks_in_hook));
	synchronize_rcu_tasks();
}

int preload_hooks_register(const void *ctx)
{
	int ret;

	hook_ctx = ctx;
	ret = ftrace_set_filter(&preload_ftrace_ops, hooked_function, strlen(hooked_function), 1);
	if (ret) {
		pr_err("cannot hook %s(): it is not traceable on this kernel (inlined, renamed or CONFIG_STRICT_MODULE_RWX=n), error %d\n",
		       hooked_function, ret);
		return ret;
	}
	ret = register_ftrace_function(&preload_ftrace_ops);
	if (ret) {
		pr_err("cannot hook %s(): ftrace refused (error %d; -EBUSY means livepatch or another IPMODIFY user owns it)\n",
		       hooked_function, ret);
		goto free_filter;
	}
	ret = ftrace_set_filter(&preload_relocate_ops, relocate_function,
				strlen(relocate_function), 1);
	if (!ret)
		ret = register_ftrace_function(&preload_relocate_ops);
	if (ret) {
		pr_err("cannot hook %s(): not traceable on this kernel (inlined or renamed?), error %d\n",
		       relocate_function, ret);
		goto unhook_rwx;
	}
	ret = register_module_notifier(&preload_module_nb);
	if (ret) {
		pr_err("cannot register the module notifier, error %d\n", ret);
		unregister_ftrace_function(&preload_relocate_ops);
		goto unhook_rwx;
	}
	return 0;

unhook_rwx:
	unregister_ftrace_function(&preload_ftrace_ops);
	/* Loads may have entered the hook meanwhile. */
	wait_for_hooked_tasks();
free_filter:
	ftrace_free_filter(&preload_relocate_ops);
	ftrace_free_filter(&preload_ftrace_ops);
	preload_plans_free();
	return ret;
}

/* After this returns no task runs, or will run, preload's hook code. */
void preload_hooks_unregister(void)
{
	unregister_ftrace_function(&preload_ftrace_ops);
	ftrace_free_filter(&preload_ftrace_ops);
	unregister_ftrace_function(&preload_relocate_ops);
	ftrace_free_filter(&preload_relocate_ops);
	wait_for_hooked_tasks();
	unregister_module_notifier(&preload_module_nb);
	preload_plans_free();
}
