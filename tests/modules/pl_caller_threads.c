// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer whose kernel threads call sample_lib_compute(21) without a
 * break while it is loaded: `threads` of them (4 by default), each counting
 * the calls it starts and the results it gets, by value: 1042 (the sample
 * interposer), 2042 (interposer_v2), anything else (bad). Writing 1 to
 * .../parameters/stop stops them and waits until they have; the counters
 * are then final: started, v1, v2 and bad under /sys/module/pl_caller_threads/parameters/.
 * Each thread sleeps briefly every 1000 calls, so that it passes through
 * the voluntary context switches that RCU-tasks grace periods wait for.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "sample_lib.h"

#define MAX_THREADS 8

static unsigned int threads = 4;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "calling threads (at most 8)");

static atomic64_t started, v1, v2, bad;
static struct task_struct *workers[MAX_THREADS];
static DEFINE_MUTEX(stop_lock);

static int call_loop(void *unused)
{
	unsigned long n = 0;
	int result;

	while (!kthread_should_stop()) {
		atomic64_inc(&started);
		result = sample_lib_compute(21);
		if (result == 1042)
			atomic64_inc(&v1);
		else if (result == 2042)
			atomic64_inc(&v2);
		else
			atomic64_inc(&bad);
		if (++n % 1000 == 0)
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

static int __init threads_init(void)
{
	unsigned int i;

	for (i = 0; i < min(threads, (unsigned int)MAX_THREADS); i++) {
		workers[i] = kthread_run(call_loop, NULL, "pl_caller_t%u", i);
		if (IS_ERR(workers[i])) {
			int ret = PTR_ERR(workers[i]);

			workers[i] = NULL;
			stop_all();
			return ret;
		}
	}
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
