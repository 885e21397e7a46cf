// SPDX-License-Identifier: GPL-2.0
/*
 * Telling when no task runs a module's code any more, the way livepatch
 * tells that no task runs a function it patched: by looking at every stack.
 *
 * A swap first points the slots at the new version (text_poke_bp, which
 * serialises every CPU): from then on no call can enter the old one. A task
 * is then out of it for good once one look at its stack, made after that,
 * finds no address inside the old module's text: neither its saved or
 * interrupted IP nor any return address. A task preempted between a
 * consumer's call and the replacement's first instruction stands in the
 * slot's trampoline (then it jumps to the new version) or at that first
 * instruction (inside: it is waited for).
 *
 * - A task off the CPU is unwound with the ORC unwinder, as
 *   arch_stack_walk_reliable() does; an unwind that is not reliable proves
 *   nothing and is tried again. Its stack cannot change under the walk: the
 *   walk counts only if the task was off the CPU before and after it, and
 *   did not switch in between (on_cpu and its context-switch counts, which
 *   the scheduler updates before it releases on_cpu).
 * - A running task, and each CPU's interrupt context (softirqs and hard
 *   irqs run on the CPU's irq stack), is looked at by an IPI: the handler
 *   unwinds from itself through the interrupted context. Hard irq and NMI
 *   handlers never run under it, so a clean walk there proves both the task
 *   it interrupted and the CPU's interrupt context.
 *
 * Nothing is asked of the tasks: busy ones, ones that never sleep or never
 * call cond_resched(), and callers in irq context are all seen within a
 * round or two. Only a call that stays inside the old version (sleeping
 * there) keeps it waiting, and the wait stops at a signal or a deadline.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/unwind.h>

#include "glue.h"

#ifndef CONFIG_UNWINDER_ORC
#error "preload tells when a swap is done by reliable stack walks: it needs CONFIG_UNWINDER_ORC"
#endif

/* Tasks still to be seen outside the module, kept between rounds. */
#define MAX_PENDING 64

enum seen { CLEAR, INSIDE, UNRELIABLE, RUNNING };

struct pending {
	struct task_struct *task;
	enum seen why;
};

struct quiesce {
	unsigned long start, end;	/* the module's text */
	struct pending tasks[MAX_PENDING];
	unsigned int count;
	bool overflow;			/* more than MAX_PENDING: walk all again */
	cpumask_var_t cpus;		/* CPUs whose interrupt context is unseen */
	cpumask_var_t ask;		/* CPUs an IPI asks this round */
	struct {
		struct task_struct *task;
		enum seen seen;
	} *on_cpu;			/* each CPU's answer to the IPI */
};

/* Walks @task's stack (the current one's from here) for @q's text. */
static enum seen walk(struct task_struct *task, const struct quiesce *q)
{
	struct unwind_state state;
	struct pt_regs *regs;
	unsigned long addr;
	unsigned int frames = 0;

	/* An exited task's stack is gone with everything it ran. */
	if (!READ_ONCE(task->stack))
		return CLEAR;
	for (unwind_start(&state, task, NULL, NULL);
	     !unwind_done(&state) && !unwind_error(&state);
	     unwind_next_frame(&state)) {
		regs = unwind_get_entry_regs(&state, NULL);
		if (regs && user_mode(regs))
			return CLEAR;
		addr = unwind_get_return_address(&state);
		if (!addr)
			return UNRELIABLE;
		/* A return address may be the end of a function ending in a call. */
		if (addr >= q->start && addr <= q->end)
			return INSIDE;
		frames++;
	}
	if (unwind_error(&state) || !frames)
		return READ_ONCE(task->stack) ? UNRELIABLE : CLEAR;
	return CLEAR;
}

/*
 * Walks @task if it stays off the CPU throughout; RUNNING otherwise. Called
 * under rcu_read_lock(): a task that exits meanwhile frees its stack after a
 * grace period (thread_stack_delayed_free()).
 */
static enum seen walk_off_cpu(struct task_struct *task, const struct quiesce *q)
{
	unsigned long switches;
	enum seen seen;

	if (smp_load_acquire(&task->on_cpu))
		return RUNNING;
	switches = READ_ONCE(task->nvcsw) + READ_ONCE(task->nivcsw);
	seen = walk(task, q);
	smp_rmb();
	if (READ_ONCE(task->on_cpu))
		return RUNNING;
	smp_rmb();
	if (switches != READ_ONCE(task->nvcsw) + READ_ONCE(task->nivcsw))
		return RUNNING;
	return seen;
}

/* IPI handler: what this CPU runs, and whether it is outside the module. */
static void look_at_this_cpu(void *info)
{
	struct quiesce *q = info;
	int cpu = smp_processor_id();

	q->on_cpu[cpu].task = current;
	q->on_cpu[cpu].seen = walk(current, q);
}

static void forget(struct quiesce *q, unsigned int i)
{
	put_task_struct(q->tasks[i].task);
	q->tasks[i] = q->tasks[--q->count];
}

static void note(struct quiesce *q, struct task_struct *task, enum seen why)
{
	if (q->count == MAX_PENDING) {
		q->overflow = true;
		return;
	}
	get_task_struct(task);
	q->tasks[q->count].task = task;
	q->tasks[q->count++].why = why;
}

/* Looks at every task, off the CPU: the pending ones keep a reference. */
static void walk_all(struct quiesce *q)
{
	struct task_struct *g, *t;
	enum seen seen;

	while (q->count)
		forget(q, 0);
	q->overflow = false;
	rcu_read_lock();
	for_each_process_thread(g, t) {
		/* The waiting task runs preload, not the module. */
		if (t == current)
			continue;
		seen = walk_off_cpu(t, q);
		if (seen != CLEAR)
			note(q, t, seen);
	}
	rcu_read_unlock();
}

static void walk_pending(struct quiesce *q)
{
	unsigned int i = 0;
	enum seen seen;

	while (i < q->count) {
		rcu_read_lock();
		seen = walk_off_cpu(q->tasks[i].task, q);
		rcu_read_unlock();
		if (seen == CLEAR) {
			forget(q, i);
			continue;
		}
		q->tasks[i++].why = seen;
	}
}

/*
 * Asks each CPU still unseen, and each CPU a pending task was running on,
 * what it runs; clears what is outside. Idle tasks are not in the task
 * list: they run nothing but the idle loop on their own stack (interrupts
 * run on the irq stack), so only a CPU's current context can be inside.
 */
static void look_at_cpus(struct quiesce *q)
{
	unsigned int i;
	int cpu;

	cpus_read_lock();
	cpumask_and(q->cpus, q->cpus, cpu_online_mask);
	cpumask_copy(q->ask, q->cpus);
	for (i = 0; i < q->count; i++)
		if (q->tasks[i].why == RUNNING)
			cpumask_set_cpu(task_cpu(q->tasks[i].task), q->ask);
	cpumask_and(q->ask, q->ask, cpu_online_mask);
	for_each_cpu(cpu, q->ask)
		q->on_cpu[cpu].task = NULL;
	on_each_cpu_mask(q->ask, look_at_this_cpu, q, true);
	for_each_cpu(cpu, q->ask) {
		if (!q->on_cpu[cpu].task || q->on_cpu[cpu].seen != CLEAR)
			continue;
		cpumask_clear_cpu(cpu, q->cpus);
		for (i = 0; i < q->count; i++) {
			if (q->tasks[i].task == q->on_cpu[cpu].task) {
				forget(q, i);
				break;
			}
		}
	}
	cpus_read_unlock();
}

static bool done(const struct quiesce *q)
{
	return !q->count && !q->overflow && cpumask_empty(q->cpus);
}

/* Says what the module still waits for, into @buf. */
static void describe(const struct quiesce *q, char *buf, size_t len)
{
	static const char *const why[] = {
		[INSIDE] = "inside", [UNRELIABLE] = "stack not reliable", [RUNNING] = "running",
	};
	size_t used = 0;
	unsigned int i;
	int cpu;

	buf[0] = 0;
	for (i = 0; i < q->count && i < 4; i++)
		used += scnprintf(buf + used, len - used, "%s%s[%d] (%s)", used ? ", " : "",
				  q->tasks[i].task->comm, task_pid_nr(q->tasks[i].task),
				  why[q->tasks[i].why]);
	if (q->count > 4)
		used += scnprintf(buf + used, len - used, " and %u more task(s)", q->count - 4);
	if (q->overflow)
		used += scnprintf(buf + used, len - used, "%sover %d tasks", used ? ", " : "",
				  MAX_PENDING);
	for_each_cpu(cpu, q->cpus)
		used += scnprintf(buf + used, len - used, "%sCPU %d's interrupt context",
				  used ? ", " : "", cpu);
}

/*
 * Waits until no task and no interrupt context is inside the text of the
 * module @name (held by the caller), checking about every 10 ms. Returns 0
 * once none is, -EINTR at a signal, -ETIMEDOUT after @timeout_ms (0: no
 * limit), -ENOENT if @name is not loaded; on -EINTR and -ETIMEDOUT @buf
 * says what was still inside or unseen.
 */
int preload_wait_quiescent(const char *name, unsigned int timeout_ms, char *buf, size_t len)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	unsigned int pause = 1;
	struct quiesce *q;
	int ret = 0;

	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	q->on_cpu = kcalloc(nr_cpu_ids, sizeof(*q->on_cpu), GFP_KERNEL);
	if (!q->on_cpu || !zalloc_cpumask_var(&q->cpus, GFP_KERNEL) ||
	    !zalloc_cpumask_var(&q->ask, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto out;
	}
	if (!preload_module_text(name, &q->start, &q->end)) {
		ret = -ENOENT;
		goto out;
	}
	cpumask_copy(q->cpus, cpu_online_mask);
	walk_all(q);
	for (;;) {
		look_at_cpus(q);
		if (done(q))
			break;
		if (timeout_ms && time_after_eq(jiffies, deadline))
			ret = -ETIMEDOUT;
		else if (msleep_interruptible(pause) || signal_pending(current))
			ret = -EINTR;
		if (ret) {
			describe(q, buf, len);
			break;
		}
		pause = min(pause * 2, 10U);
		if (q->overflow)
			walk_all(q);
		else
			walk_pending(q);
	}
	while (q->count)
		forget(q, 0);
out:
	free_cpumask_var(q->cpus);
	free_cpumask_var(q->ask);
	kfree(q->on_cpu);
	kfree(q);
	return ret;
}
