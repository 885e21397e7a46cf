/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between preload's C glue and its Rust code (sys.rs), in both
 * directions. `ctx` is Rust's State, handed back to every callback.
 */
#ifndef PRELOAD_GLUE_H
#define PRELOAD_GLUE_H

#include <linux/module.h>
#include <linux/seq_file.h>

/* hooks_glue.c */
int preload_hooks_register(const void *ctx);
void preload_hooks_unregister(void);

/* module_glue.c */
int preload_find_module_mutex(void);
int preload_module_state(const char *name);
int preload_request_module(const char *name);
bool preload_spawned_by_kernel(void);
int preload_link(struct module *consumer, const char *dep);

/* proc_glue.c */
int preload_proc_create(const void *ctx);
void preload_proc_remove(void);
const char *preload_config_path(bool *chosen);
void preload_modules_dep_path(char *buf, size_t len);
ssize_t preload_read_file(const char *path, void **buf, size_t max);
void preload_free_file(void *buf);

/* Rust callbacks (sys.rs) */
int preload_rust_before_bind(const void *ctx, const char *name, size_t len);
int preload_rust_coming(const void *ctx, struct module *mod, const char *name, size_t len);
void *preload_rust_deps_open(const void *ctx);
ssize_t preload_rust_deps_write(const void *ctx, void *writer, char __user *buf, size_t len);
void preload_rust_deps_release(const void *ctx, void *writer, bool commit);
int preload_rust_deps_show(const void *ctx, struct seq_file *m);
int preload_rust_stats_show(const void *ctx, struct seq_file *m);

#endif
