// SPDX-License-Identifier: GPL-2.0
/*
 * What interposition needs from C: read the image of a module being loaded
 * (its sections, such as .modinfo and .BTF, and its symbol table), and bind a
 * consumer's undefined symbols to an interposer's functions.
 *
 * Binding is a "plan" per loading module: (symbol index, address) pairs that
 * Rust computes before the loader binds symbols. The loader then resolves
 * every symbol itself, with all its checks (exported, GPL-only, namespace
 * imported) and its own dependency link; only afterwards, when the first
 * relocation section is applied, does the planned symbol's value change to
 * the interposer's function. The consumer's calls are then plain calls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/elf.h>
#include <linux/kallsyms.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#ifdef CONFIG_X86_KERNEL_IBT
#include <asm/ibt.h>
#endif

#include "glue.h"

static bool strict_interpose;
module_param(strict_interpose, bool, 0644);
MODULE_PARM_DESC(strict_interpose,
		 "Interpose only the symbols a consumer flags with modinfo \"interposable\"");

bool preload_strict_interpose(void)
{
	return READ_ONCE(strict_interpose);
}

/* The section @name of @image (.modinfo, .BTF), or NULL. */
const void *preload_image_section(const struct preload_image *image, const char *name,
				  size_t *len)
{
	unsigned int i;

	for (i = 1; i < image->hdr->e_shnum; i++) {
		const Elf_Shdr *s = &image->sechdrs[i];

		if (s->sh_type != SHT_NOBITS && !strcmp(image->secstrings + s->sh_name, name)) {
			*len = s->sh_size;
			return (const void *)s->sh_addr;
		}
	}
	return NULL;
}

const Elf_Shdr *preload_image_symtab(const Elf_Ehdr *hdr, const Elf_Shdr *sechdrs)
{
	unsigned int i;

	for (i = 1; i < hdr->e_shnum; i++)
		if (sechdrs[i].sh_type == SHT_SYMTAB)
			return &sechdrs[i];
	return NULL;
}

/*
 * Symbol @index of @image: its name and whether it is undefined. Returns
 * -ENOENT past the last symbol (index 0 is the null symbol).
 */
int preload_image_symbol(const struct preload_image *image, unsigned int index,
			 const char **name, bool *undefined)
{
	const Elf_Shdr *symsec = image->symtab;
	const Elf_Shdr *strsec;
	const Elf_Sym *sym;

	if (!symsec || index == 0 || index >= symsec->sh_size / sizeof(Elf_Sym))
		return -ENOENT;
	strsec = &image->sechdrs[symsec->sh_link];
	sym = (const Elf_Sym *)symsec->sh_addr + index;
	if (sym->st_name >= strsec->sh_size)
		return -ENOEXEC;
	*name = (const char *)strsec->sh_addr + sym->st_name;
	*undefined = sym->st_shndx == SHN_UNDEF;
	return 0;
}

/*
 * Whether @image refers to its undefined symbol @index other than as the
 * target of a direct call or jump: then it takes the symbol's address (a
 * function pointer, or data pointing at the function), and may call it
 * through a pointer. Only relocations of sections that are loaded count.
 * A call or jump is an R_X86_64_PLT32 relocation, or an R_X86_64_PC32 one
 * right after a call (0xe8) or jmp (0xe9) opcode (older assemblers).
 */
bool preload_image_takes_address(const struct preload_image *image, unsigned int index)
{
	unsigned int i;

	for (i = 1; i < image->hdr->e_shnum; i++) {
		const Elf_Shdr *rel = &image->sechdrs[i], *target;
		const Elf_Rela *r;
		size_t n;

		if (rel->sh_type != SHT_RELA || rel->sh_info >= image->hdr->e_shnum)
			continue;
		target = &image->sechdrs[rel->sh_info];
		if (!(target->sh_flags & SHF_ALLOC))
			continue;
		r = (const Elf_Rela *)rel->sh_addr;
		for (n = 0; n < rel->sh_size / sizeof(*r); n++) {
			unsigned int type = ELF64_R_TYPE(r[n].r_info);
			const u8 *at = (const u8 *)target->sh_addr + r[n].r_offset;

			if (ELF64_R_SYM(r[n].r_info) != index || type == R_X86_64_PLT32)
				continue;
			if (type == R_X86_64_PC32 && target->sh_type != SHT_NOBITS &&
			    r[n].r_offset >= 1 && r[n].r_offset <= target->sh_size &&
			    (at[-1] == 0xe8 || at[-1] == 0xe9))
				continue;
			return true;
		}
	}
	return false;
}

/*
 * The planned bindings of one loading module. The loader hands
 * preload_rust_before_bind() a temporary struct module, and the final one
 * only exists after; so a plan belongs to the loading task (which loads one
 * module at a time: a dependency loads in a modprobe of its own) and the
 * module's name. The task applies it when it relocates the module, noting
 * the module it applied it to, and takes it back at MODULE_STATE_COMING
 * (preload_plan_take()). A load that fails in between leaves its plan
 * behind, to be dropped by its task's next plan, or once the task is gone:
 * at most one per live task, and it blocks nothing.
 */
struct preload_plan {
	struct list_head list;
	const struct task_struct *task;	/* compared only, never dereferenced */
	pid_t pid;
	const struct module *applied_to;
	char module[MODULE_NAME_LEN];
	size_t count;
	struct preload_binding bindings[] __counted_by(count);
	/* followed by the bindings' symbol names */
};

static LIST_HEAD(plans);
static DEFINE_SPINLOCK(plans_lock);

/* Whether the task that made @plan is gone (its plan can never be taken). */
static bool plan_orphaned(const struct preload_plan *plan)
{
	bool gone;

	rcu_read_lock();
	gone = pid_task(find_pid_ns(plan->pid, &init_pid_ns), PIDTYPE_PID) != plan->task;
	rcu_read_unlock();
	return gone;
}

/*
 * Makes @count bindings the plan of @module, which the current task is
 * loading (none: no plan). Drops every other plan of the task, and those
 * of tasks that are gone.
 */
int preload_plan_set(const char *module, const struct preload_binding *bindings, size_t count)
{
	struct preload_plan *plan = NULL, *old, *next;
	size_t i, names = 0;
	LIST_HEAD(dropped);
	char *name;

	for (i = 0; i < count; i++)
		names += strlen(bindings[i].symbol) + 1;
	if (count) {
		plan = kmalloc(struct_size(plan, bindings, count) + names, GFP_KERNEL);
		if (!plan)
			return -ENOMEM;
		plan->task = current;
		plan->pid = task_pid_nr(current);
		plan->applied_to = NULL;
		strscpy(plan->module, module);
		plan->count = count;
		/*
		 * From the allocation, not &plan->bindings[count]: fortify
		 * sizes a pointer past a __counted_by array as 0 bytes.
		 */
		name = (char *)plan + struct_size(plan, bindings, count);
		for (i = 0; i < count; i++) {
			size_t len = strlen(bindings[i].symbol) + 1;

			plan->bindings[i].index = bindings[i].index;
			plan->bindings[i].address = bindings[i].address;
			plan->bindings[i].symbol = memcpy(name, bindings[i].symbol, len);
			name += len;
		}
	}
	spin_lock(&plans_lock);
	list_for_each_entry_safe(old, next, &plans, list)
		if (old->task == current || plan_orphaned(old))
			list_move(&old->list, &dropped);
	if (plan)
		list_add(&plan->list, &plans);
	spin_unlock(&plans_lock);
	list_for_each_entry_safe(old, next, &dropped, list)
		kfree(old);
	return 0;
}

void preload_plans_free(void)
{
	struct preload_plan *plan, *next;

	list_for_each_entry_safe(plan, next, &plans, list)
		kfree(plan);
	INIT_LIST_HEAD(&plans);
}

/* The current task's plan for a module called @name. Under plans_lock. */
static struct preload_plan *plan_of(const char *name)
{
	struct preload_plan *plan;

	list_for_each_entry(plan, &plans, list)
		if (plan->task == current && !strcmp(plan->module, name))
			return plan;
	return NULL;
}

/*
 * Called (from an ftrace callback, so atomic) in the loading task when
 * apply_relocate_add() is about to relocate a section of @mod: binds @mod's
 * planned symbols, which the loader has resolved by now, to their new
 * addresses.
 */
void preload_plan_apply(const struct module *mod, const Elf_Shdr *sechdrs, const char *strtab,
			unsigned int symindex)
{
	Elf_Sym *syms = (Elf_Sym *)sechdrs[symindex].sh_addr;
	size_t nsyms = sechdrs[symindex].sh_size / sizeof(Elf_Sym);
	struct preload_plan *plan;
	size_t i;

	spin_lock(&plans_lock);
	plan = plan_of(mod->name);
	if (plan)
		plan->applied_to = mod;
	for (i = 0; plan && i < plan->count; i++) {
		Elf_Sym *sym = &syms[plan->bindings[i].index];

		if (plan->bindings[i].index >= nsyms ||
		    strcmp(strtab + sym->st_name, plan->bindings[i].symbol))
			continue;
		/* The loader leaves an undefined symbol at 0 only if it is weak and absent. */
		if (sym->st_shndx == SHN_UNDEF && sym->st_value)
			sym->st_value = plan->bindings[i].address;
	}
	spin_unlock(&plans_lock);
}

/*
 * At MODULE_STATE_COMING, in the loading task: the plan applied to @mod,
 * removed from the list (free it with preload_plan_free()), or NULL.
 */
struct preload_plan *preload_plan_take(const struct module *mod)
{
	struct preload_plan *plan;

	spin_lock(&plans_lock);
	plan = plan_of(mod->name);
	if (plan && plan->applied_to == mod)
		list_del(&plan->list);
	else
		plan = NULL;
	spin_unlock(&plans_lock);
	return plan;
}

/* Binding @i of @plan, or NULL past the last. */
const struct preload_binding *preload_plan_binding(const struct preload_plan *plan, size_t i)
{
	return i < plan->count ? &plan->bindings[i] : NULL;
}

void preload_plan_free(struct preload_plan *plan)
{
	kfree(plan);
}

/*
 * Whether @addr may be reached by an indirect call: on a kernel with IBT,
 * whether it starts with an ENDBR that the loader did not seal (an ENDBR
 * objtool saw no address-taking reference to becomes a NOP at load, see
 * apply_seal_endbr(); a call through a pointer to it faults on an IBT CPU).
 * Without IBT every function may.
 */
bool preload_indirect_target(unsigned long addr)
{
#ifdef CONFIG_X86_KERNEL_IBT
	u32 insn;

	if (copy_from_kernel_nofault(&insn, (const void *)addr, sizeof(insn)))
		return false;
	return (insn & ~0x01000000U) == gen_endbr();
#else
	return true;
#endif
}

/* The address of the function @name that @mod defines in its core text, or 0. */
unsigned long preload_module_function(struct module *mod, const char *name)
{
	struct mod_kallsyms *kallsyms;
	unsigned long addr = 0;
	unsigned int i;

	rcu_read_lock();
	kallsyms = rcu_dereference(mod->kallsyms);
	for (i = 1; i < kallsyms->num_symtab && !addr; i++) {
		const Elf_Sym *sym = &kallsyms->symtab[i];

		if (sym->st_shndx != SHN_UNDEF && ELF_ST_TYPE(sym->st_info) == STT_FUNC &&
		    !strcmp(kallsyms->strtab + sym->st_name, name))
			addr = kallsyms_symbol_value(sym);
	}
	rcu_read_unlock();
	return within_module_mem_type(addr, mod, MOD_TEXT) ? addr : 0;
}
