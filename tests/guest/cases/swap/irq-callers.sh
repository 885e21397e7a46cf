# qemu-tcg: single-thread
# A swap retires the old version under callers in interrupt context, which
# no task check can see: pl_caller_irq calls sample_lib_compute through the
# sample's swap slots from an hrtimer (hard irq) and a timer_list (softirq,
# on the irq stack) while interposer and interposer_v2 are swapped back and
# forth 10 times: every swap write returns (a write still waiting after
# 120 s is a hang, and fails) and succeeds; calls came from both contexts;
# every call started returned one version's result, both versions answered,
# the count handed across the swaps is every call made; the timers stop and
# everything unloads.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_irq: interposer\n'
check "a consumer that calls from hard and soft interrupts loads" insmod "$(ko pl_caller_irq)"
check "interposer_v2 loads" modprobe interposer_v2
check "10 swaps back and forth: each write returned and succeeded" swap_rounds 10 interposer interposer_v2 0.2
check "the timers stop" sh -c 'echo 1 > /sys/module/pl_caller_irq/parameters/stop'
busy_caller_checks pl_caller_irq
hard=$(param pl_caller_irq hardirq) soft=$(param pl_caller_irq softirq)
echo "  # $hard calls from the hrtimer, $soft from the timer_list"
check "calls came from hard irq context (the hrtimer)" [ "$hard" -gt 0 ]
check "... and from softirq context (the timer_list)" [ "$soft" -gt 0 ]
check "... and from nowhere else" [ $((hard + soft)) -eq "$started" ]
check "the count handed across the swaps is every call made, none lost or counted twice" \
    [ "$(calls_handed)" -eq "$started" ]
check "the counters are final once stopped" sh -c "sleep 0.1; [ \"\$(cat /sys/module/pl_caller_irq/parameters/started)\" -eq $started ]"
check "the consumer unloads" rmmod pl_caller_irq
check "interposer unloads" rmmod interposer
check "interposer_v2, quiesced, unloads" sh -c 'printf "quiesce interposer_v2\n" > /proc/preload/lifecycle && rmmod interposer_v2'
check "sample_lib unloads: no reference left" rmmod sample_lib
finish
