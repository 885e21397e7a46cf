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
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

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
 * The planned bindings of one loading module, by name: the loader hands
 * preload_rust_before_bind() a temporary struct module, and the final one
 * only exists after. A plan is replaced by the next load of the same name,
 * which always goes through before-bind first, and each binding is checked
 * against the symbol's name before it is applied.
 */
struct preload_plan {
	struct list_head list;
	char module[MODULE_NAME_LEN];
	size_t count;
	struct {
		unsigned int index;
		unsigned long address;
		char symbol[KSYM_NAME_LEN];
	} bindings[] __counted_by(count);
};

static LIST_HEAD(plans);
static DEFINE_SPINLOCK(plans_lock);

static struct preload_plan *plan_of(const char *module)
{
	struct preload_plan *plan;

	list_for_each_entry(plan, &plans, list)
		if (!strcmp(plan->module, module))
			return plan;
	return NULL;
}

/* Replaces @module's plan by @count bindings (none: no plan). */
int preload_plan_set(const char *module, const struct preload_binding *bindings, size_t count)
{
	struct preload_plan *plan = NULL, *old;
	size_t i;

	if (count) {
		plan = kmalloc(struct_size(plan, bindings, count), GFP_KERNEL);
		if (!plan)
			return -ENOMEM;
		strscpy(plan->module, module);
		plan->count = count;
		for (i = 0; i < count; i++) {
			plan->bindings[i].index = bindings[i].index;
			plan->bindings[i].address = bindings[i].address;
			strscpy(plan->bindings[i].symbol, bindings[i].symbol, KSYM_NAME_LEN);
		}
	}
	spin_lock(&plans_lock);
	old = plan_of(module);
	if (old)
		list_del(&old->list);
	if (plan)
		list_add(&plan->list, &plans);
	spin_unlock(&plans_lock);
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

/*
 * Called (from an ftrace callback, so atomic) when apply_relocate_add() is
 * about to relocate a section of @mod: binds @mod's planned symbols, which
 * the loader has resolved by now, to their new addresses.
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
