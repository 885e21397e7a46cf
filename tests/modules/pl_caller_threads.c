// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer whose kernel threads call sample_lib_compute(21) without a
 * break while it is loaded: `threads` of them (4 by default), each counting
 * the calls it starts and the results it gets, by value: 1042 (the sample
 * interposer), 2042 (interposer_v2), anything else (bad); and `switches`,
 * how often a thread's result differed from its previous one (the swaps it
 * saw). Writing 1 to .../parameters/stop stops them and waits until they
 * have; the counters are then final: started, v1, v2, bad and switches
 * under /sys/module/pl_caller_threads/parameters/.
 *
 * `mode` says how a thread lets others run, and none of them waits for a
 * swap to be kind: a swap must retire the old version under each.
 *   yield (default): cond_resched() every 1024 calls, never a sleep. That is
 *           issue 16's thread: it never passes through a voluntary context
 *           switch, so an RCU-tasks grace period never ends while it runs.
 *           (On a kernel with full or lazy preemption and no
 *           PREEMPT_DYNAMIC, the test kernel's, cond_resched() does nothing:
 *           the thread is only ever preempted, at ticks.)
 *   spin:   no cond_resched(), no sleep: a preemptible busy loop, preempted
 *           at ticks; kthread_should_stop() is still checked every call.
 *   sleep:  usleep_range(100, 200) every 1000 calls: the old fixture's
 *           behaviour, which let RCU-tasks grace periods end.
 * An unknown mode refuses the load with -EINVAL and a message.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "sample_lib.h"

#define MAX_THREADS 8

static unsigned int threads = 4;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "calling threads (at most 8)");

static char *mode = "yield";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "yield (cond_resched() every 1024 calls; default), spin (never), or sleep (every 1000 calls)");

enum call_mode { MODE_YIELD, MODE_SPIN, MODE_SLEEP };
static enum call_mode call_mode;

static atomic64_t started, v1, v2, bad, switches;
static struct task_struct *workers[MAX_THREADS];
static DEFINE_MUTEX(stop_lock);

static int call_loop(void *unused)
{
	unsigned long n = 0;
	int result, last = 0;

	while (!kthread_should_stop()) {
		atomic64_inc(&started);
		result = sample_lib_compute(21);
		if (result == 1042)
			atomic64_inc(&v1);
		else if (result == 2042)
			atomic64_inc(&v2);
		else
			atomic64_inc(&bad);
		if (last && result != last)
			atomic64_inc(&switches);
		last = result;
		n++;
		if (call_mode == MODE_YIELD && n % 1024 == 0)
			cond_resched();
		else if (call_mode == MODE_SLEEP && n % 1000 == 0)
			usleep_range(100, 200);
	}
	return 0;
}

static void stop_all(void)
{
	int i;

	mutex_lock(&stop_lock);
	for (i = 0; i < MAX_THREADS; i++) {
		if (workers[i])
			kthread_stop(workers[i]);
		workers[i] = NULL;
	}
	mutex_unlock(&stop_lock);
}

static int stop_set(const char *val, const struct kernel_param *kp)
{
	stop_all();
	return 0;
}

static const struct kernel_param_ops stop_ops = { .set = stop_set };
module_param_cb(stop, &stop_ops, NULL, 0200);

#define COUNTER(name)								\
	static int name##_get(char *buf, const struct kernel_param *kp)	\
	{									\
		return sysfs_emit(buf, "%lld\n", atomic64_read(&name));	\
	}									\
	static const struct kernel_param_ops name##_ops = { .get = name##_get }; \
	module_param_cb(name, &name##_ops, NULL, 0444)

COUNTER(started);
COUNTER(v1);
COUNTER(v2);
COUNTER(bad);
COUNTER(switches);

static int __init threads_init(void)
{
	unsigned int i;

	if (!strcmp(mode, "yield")) {
		call_mode = MODE_YIELD;
	} else if (!strcmp(mode, "spin")) {
		call_mode = MODE_SPIN;
	} else if (!strcmp(mode, "sleep")) {
		call_mode = MODE_SLEEP;
	} else {
		pr_err(KBUILD_MODNAME ": unknown mode \"%s\" (yield, spin or sleep)\n", mode);
		return -EINVAL;
	}
	for (i = 0; i < min(threads, (unsigned int)MAX_THREADS); i++) {
		workers[i] = kthread_run(call_loop, NULL, "pl_caller_t%u", i);
		if (IS_ERR(workers[i])) {
			int ret = PTR_ERR(workers[i]);

			workers[i] = NULL;
			stop_all();
			return ret;
		}
	}
	pr_info(KBUILD_MODNAME ": %u thread(s) calling, mode %s\n", i, mode);
	return 0;
}

static void __exit threads_exit(void)
{
	stop_all();
}

module_init(threads_init);
module_exit(threads_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: kernel threads calling an interposable symbol");
