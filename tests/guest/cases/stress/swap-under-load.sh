# qemu-tcg: single-thread
# Stress: interposer 1.0 and interposer_v2 are swapped back and forth 40
# times while busy callers call sample_lib_compute through the swap slots
# without a break: 4 kernel threads that never sleep (pl_caller_threads,
# mode yield: cond_resched() every 1024 calls), an hrtimer in hard irq
# context and a timer_list in softirq context (pl_caller_irq), and 2
# user-space readers in tight loops (through pl_caller_live). Every swap
# write returns (a write still waiting after 120 s is a hang, and fails);
# every call started returns one version's result and no other; the count
# of calls the versions hand each other grows by exactly the calls made
# (none lost, none counted twice); both versions answered; everything
# unloads afterwards.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_threads: interposer\npl_caller_irq: interposer\npl_caller_live: interposer\n'
check "a consumer calling from hard and soft interrupts loads" insmod "$(ko pl_caller_irq)"
check "... and one that user space calls through" insmod "$(ko pl_caller_live)"
check "interposer_v2 loads" modprobe interposer_v2
check "a consumer with 4 calling threads that never sleep loads" insmod "$(ko pl_caller_threads)"
check "... in mode yield, the default" log_has 'pl_caller_threads: 4 thread\(s\) calling, mode yield'
rm -f /tmp/swaps.done
for reader in 1 2; do
    (while [ ! -e /tmp/swaps.done ]; do param pl_caller_live compute; done) >/tmp/reads.$reader 2>&1 &
done
check "40 swaps back and forth: each write returned and succeeded" swap_rounds 40 interposer interposer_v2 0.05
touch /tmp/swaps.done
wait
check "the threads stop" sh -c 'echo 1 > /sys/module/pl_caller_threads/parameters/stop'
check "the timers stop" sh -c 'echo 1 > /sys/module/pl_caller_irq/parameters/stop'
busy_caller_checks pl_caller_threads
threads_started=$started
check "pl_caller_threads called many times" [ "$threads_started" -ge 1000 ]
busy_caller_checks pl_caller_irq
irq_started=$started
check "pl_caller_irq called from both contexts" \
    [ "$(param pl_caller_irq hardirq)" -gt 0 -a "$(param pl_caller_irq softirq)" -gt 0 ]
reads=$(cat /tmp/reads.1 /tmp/reads.2 | wc -l)
echo "  # readers: $reads calls"
check "the readers called" [ "$reads" -gt 0 ]
check "every reader call returned 1042 or 2042" \
    [ "$(cat /tmp/reads.1 /tmp/reads.2 | grep -cxE '1042|2042')" -eq "$reads" ]
check "the count handed across 40 swaps is every call made, none lost or counted twice" \
    [ "$(calls_handed)" -eq $((threads_started + irq_started + reads)) ]
check "the consumers unload" rmmod pl_caller_threads pl_caller_irq pl_caller_live
check "interposer unloads" rmmod interposer
check "interposer_v2, quiesced, unloads" sh -c 'printf "quiesce interposer_v2\n" > /proc/preload/lifecycle && rmmod interposer_v2'
check "sample_lib unloads: no reference left" rmmod sample_lib
finish
