/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between preload's C glue and its Rust code (sys.rs), in both
 * directions. `ctx` is Rust's State, handed back to every callback.
 */
#ifndef PRELOAD_GLUE_H
#define PRELOAD_GLUE_H

#include <linux/elf.h>
#include <linux/module.h>
#include <linux/seq_file.h>

/* A module being loaded, as module_enforce_rwx_sections() sees it. */
struct preload_image {
	const Elf_Ehdr *hdr;
	const Elf_Shdr *sechdrs;
	const char *secstrings;
	const struct module *mod;
	const Elf_Shdr *symtab;		/* preload_image_symtab() */
};

/* Bind the undefined symbol @index (named @symbol) to @address. */
struct preload_binding {
	unsigned int index;
	unsigned long address;
	const char *symbol;
};

/* hooks_glue.c */
int preload_hooks_register(const void *ctx);
void preload_hooks_unregister(void);

/* module_glue.c */
int preload_find_kernel_data(void);
const char *preload_kernel_release(void);
int preload_module_state(const char *name);
int preload_run_modprobe(const char *name);
bool preload_spawned_by_kernel(void);
int preload_link(struct module *consumer, const char *dep);
int preload_link_live(const char *consumer, const char *dep);
int preload_unlink_live(const char *consumer, const char *dep);
bool preload_module_hold(const char *name);
void preload_module_release(const char *name);
bool preload_module_text(const char *name, unsigned long *start, unsigned long *end);

/* lifecycle_glue.c */
int preload_call_handler(unsigned long handler);
ssize_t preload_call_export(unsigned long handler, u8 *buf, size_t len);
int preload_call_import(unsigned long handler, const u8 *buf, size_t len);

/* quiesce_glue.c */
int preload_wait_quiescent(const char *name, unsigned int timeout_ms, char *buf, size_t len);

/* interpose_glue.c */
bool preload_strict_interpose(void);
const Elf_Shdr *preload_image_symtab(const Elf_Ehdr *hdr, const Elf_Shdr *sechdrs);
const void *preload_image_section(const struct preload_image *image, const char *name,
				  size_t *len);
int preload_image_symbol(const struct preload_image *image, unsigned int index,
			 const char **name, bool *undefined);
bool preload_image_takes_address(const struct preload_image *image, unsigned int index);
struct preload_plan;
int preload_plan_set(const char *module, const struct preload_binding *bindings, size_t count);
void preload_plan_apply(const struct module *mod, const Elf_Shdr *sechdrs, const char *strtab,
			unsigned int symindex);
struct preload_plan *preload_plan_take(const struct module *mod);
const struct preload_binding *preload_plan_binding(const struct preload_plan *plan, size_t i);
void preload_plan_free(struct preload_plan *plan);
void preload_plans_free(void);
unsigned long preload_module_function(struct module *mod, const char *name);
bool preload_indirect_target(unsigned long addr);

/* swap_glue.c */
size_t preload_slot_count(void);
unsigned long preload_slot_address(size_t slot);
void preload_slot_set(size_t slot, unsigned long func);

/* proc_glue.c */
int preload_proc_create(const void *ctx);
void preload_proc_remove(void);
const char *preload_config_path(bool *chosen);
void preload_modules_dep_path(char *buf, size_t len);
ssize_t preload_read_file(const char *path, void **buf, size_t max, bool initial_root);
void preload_free_file(void *buf);
bool preload_log_refusal(void);

/* Rust callbacks (sys.rs) */
int preload_rust_before_bind(const void *ctx, const struct preload_image *image,
			     const char *name, size_t len);
int preload_rust_coming(const void *ctx, struct module *mod, const char *name, size_t len);
void preload_rust_live(const void *ctx, const char *name, size_t len);
void preload_rust_going(const void *ctx, const char *name, size_t len);
int preload_rust_interposers_show(const void *ctx, struct seq_file *m);
void *preload_rust_deps_open(const void *ctx);
ssize_t preload_rust_deps_write(const void *ctx, void *writer, char __user *buf, size_t len);
void preload_rust_deps_release(const void *ctx, void *writer, bool commit);
int preload_rust_deps_show(const void *ctx, struct seq_file *m);
int preload_rust_stats_show(const void *ctx, struct seq_file *m);
int preload_rust_swap(const void *ctx, const char *request, size_t len);
int preload_rust_lifecycle(const void *ctx, const char *request, size_t len);

#endif
