// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer whose calls come from interrupt context, where no task can be
 * asked to leave the old version: an hrtimer (hard irq context) calls
 * sample_lib_compute(21) every `period_us` microseconds (200 by default;
 * without high-resolution timers, every tick), and a timer_list (softirq,
 * on the irq stack) every jiffy, while the module is loaded. A swap must
 * retire the old version under them: a CPU's interrupt frames are part of
 * what must be seen out of the old version's text. Counted like
 * pl_caller_threads, both callers together: started, v1 (1042), v2 (2042),
 * bad (anything else) and switches (how often a caller's result differed
 * from its previous one: the swaps it saw); hardirq and softirq count the
 * calls started in each context, checked with in_hardirq() and
 * in_serving_softirq() (a call from neither counts as bad).
 * Writing 1 to /sys/module/pl_caller_irq/parameters/stop cancels both
 * timers and waits for a callback still running; the counters are then
 * final. Unloading cancels them too.
 */
#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/sysfs.h>
#include <linux/timer.h>

#include "sample_lib.h"

static unsigned int period_us = 200;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "the hrtimer's period in microseconds (at least 10)");

static atomic64_t started, v1, v2, bad, switches, hardirq, softirq;
static struct hrtimer hard_timer;
static struct timer_list soft_timer;
static bool stopping;
static DEFINE_MUTEX(stop_lock);

/* One call, counted; @last is the calling timer's previous result. */
static void call_once(bool in_context, int *last)
{
	int result;

	atomic64_inc(&started);
	result = sample_lib_compute(21);
	if (in_context && result == 1042)
		atomic64_inc(&v1);
	else if (in_context && result == 2042)
		atomic64_inc(&v2);
	else
		atomic64_inc(&bad);
	if (*last && result != *last)
		atomic64_inc(&switches);
	*last = result;
}

static enum hrtimer_restart hard_call(struct hrtimer *timer)
{
	static int last;

	atomic64_inc(&hardirq);
	call_once(in_hardirq(), &last);
	if (READ_ONCE(stopping))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, us_to_ktime(period_us));
	return HRTIMER_RESTART;
}

static void soft_call(struct timer_list *timer)
{
	static int last;

	atomic64_inc(&softirq);
	call_once(in_serving_softirq(), &last);
	/* After timer_shutdown_sync() has begun, this re-arms nothing. */
	mod_timer(timer, jiffies + 1);
}

static void stop_all(void)
{
	mutex_lock(&stop_lock);
	WRITE_ONCE(stopping, true);
	hrtimer_cancel(&hard_timer);
	timer_shutdown_sync(&soft_timer);
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
COUNTER(hardirq);
COUNTER(softirq);

static int __init irq_init(void)
{
	if (period_us < 10) {
		pr_err(KBUILD_MODNAME ": period_us=%u is below 10\n", period_us);
		return -EINVAL;
	}
	/* _HARD: hard irq context even where hrtimers default to softirq (RT). */
	hrtimer_setup(&hard_timer, hard_call, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	timer_setup(&soft_timer, soft_call, 0);
	hrtimer_start(&hard_timer, us_to_ktime(period_us), HRTIMER_MODE_REL_HARD);
	mod_timer(&soft_timer, jiffies + 1);
	return 0;
}

static void __exit irq_exit(void)
{
	stop_all();
}

module_init(irq_init);
module_exit(irq_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload test fixture: hard and soft interrupt callers of an interposable symbol");
