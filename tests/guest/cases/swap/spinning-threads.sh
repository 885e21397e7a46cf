# qemu-tcg: single-thread
# Issue 16, harder: a swap retires the old version under kernel threads that
# neither sleep nor call cond_resched(): 4 threads of pl_caller_threads in
# mode spin, a preemptible busy loop that is only ever preempted at ticks,
# call sample_lib_compute through the swap slots while interposer and
# interposer_v2 are swapped back and forth 10 times: every swap write returns
# (a write still waiting after 120 s is a hang, and fails) and succeeds;
# every call started returned one version's result, both versions answered,
# the count handed across the swaps is every call made; the threads stop
# when asked (kthread_should_stop() in a busy loop) and everything unloads.
# Also: the fixture refuses a mode it does not know.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_threads: interposer\n'
check "interposer_v2 loads" modprobe interposer_v2
refuse "pl_caller_threads refuses an unknown mode" insmod "$(ko pl_caller_threads)" mode=nap
check "... saying so" log_has 'pl_caller_threads: unknown mode "nap"'
check "4 threads in a busy loop call through the sample's swap slots" \
    insmod "$(ko pl_caller_threads)" threads=4 mode=spin
check "... in mode spin" log_has 'pl_caller_threads: 4 thread\(s\) calling, mode spin'
check "10 swaps back and forth: each write returned and succeeded" swap_rounds 10 interposer interposer_v2 0.1
check "the spinning threads stop when asked" \
    returns_within 120 sh -c 'echo 1 > /sys/module/pl_caller_threads/parameters/stop'
busy_caller_checks pl_caller_threads
check "the count handed across the swaps is every call made, none lost or counted twice" \
    [ "$(calls_handed)" -eq "$started" ]
check "the consumer unloads" rmmod pl_caller_threads
check "interposer unloads" rmmod interposer
check "interposer_v2, quiesced, unloads" sh -c 'printf "quiesce interposer_v2\n" > /proc/preload/lifecycle && rmmod interposer_v2'
check "sample_lib unloads: no reference left" rmmod sample_lib
finish
