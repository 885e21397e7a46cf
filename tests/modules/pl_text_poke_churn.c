// SPDX-License-Identifier: GPL-2.0
/*
 * A diagnostic, without preload: kernel threads call through a static call
 * of this module without a break while writing N to
 * /sys/module/pl_text_poke_churn/parameters/flips retargets it N times with
 * static_call_update(), the kernel's own text_poke_bp() patching, as
 * preload's swap slots do. tests/diag/text-poke-churn runs it; it is not a
 * test case (see the README, "Known limits").
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/static_call.h>

static int churn_one(int x) { return x + 1; }
static int churn_two(int x) { return x + 2; }

DEFINE_STATIC_CALL(pl_churn, churn_one);

static struct task_struct *workers[4];
static atomic64_t calls;

static int call_loop(void *unused)
{
	unsigned long n = 0;

	while (!kthread_should_stop()) {
		if (static_call(pl_churn)(1) > 3)
			pr_err("pl_text_poke_churn: impossible result\n");
		atomic64_inc(&calls);
		if (++n % 1000 == 0)
			usleep_range(100, 200);
	}
	return 0;
}

static int flips_set(const char *val, const struct kernel_param *kp)
{
	unsigned int i, n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		static_call_update(pl_churn, i % 2 ? churn_one : churn_two);
		usleep_range(1000, 2000);
	}
	pr_info("pl_text_poke_churn: %u flips done, %lld calls\n", n, atomic64_read(&calls));
	return 0;
}

static const struct kernel_param_ops flips_ops = { .set = flips_set };
module_param_cb(flips, &flips_ops, NULL, 0200);

static int __init churn_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(workers); i++)
		workers[i] = kthread_run(call_loop, NULL, "pl_churn%d", i);
	return 0;
}

static void __exit churn_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(workers); i++)
		if (!IS_ERR_OR_NULL(workers[i]))
			kthread_stop(workers[i]);
}

module_init(churn_init);
module_exit(churn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("preload diagnostic: static call retargeting under calls, without preload");
