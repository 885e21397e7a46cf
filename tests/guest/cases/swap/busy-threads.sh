# qemu-tcg: single-thread
# Issue 16: a swap retires the old version under kernel threads that never
# sleep. 4 threads of pl_caller_threads in mode yield (cond_resched() every
# 1024 calls, never a sleep, so never a voluntary context switch) and 2
# user-space readers in tight loops (through pl_caller_live) call
# sample_lib_compute through the swap slots without a break while interposer
# and interposer_v2 are swapped back and forth 10 times: every swap write
# returns (a write still waiting after 120 s is a hang, and fails) and
# succeeds; every call started returned one version's result, both versions
# answered, and the count handed across the swaps is every call made, none
# lost or counted twice; everything unloads.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_threads: interposer\npl_caller_live: interposer\n'
check "a consumer that user space calls through loads" insmod "$(ko pl_caller_live)"
check "interposer_v2 loads" modprobe interposer_v2
check "4 threads that never sleep call through the sample's swap slots" \
    insmod "$(ko pl_caller_threads)" threads=4 mode=yield
check "... in mode yield" log_has 'pl_caller_threads: 4 thread\(s\) calling, mode yield'
rm -f /tmp/swaps.done
for reader in 1 2; do
    (while [ ! -e /tmp/swaps.done ]; do param pl_caller_live compute; done) >/tmp/reads.$reader 2>&1 &
done
check "10 swaps back and forth: each write returned and succeeded" swap_rounds 10 interposer interposer_v2 0.1
touch /tmp/swaps.done
wait
check "the threads stop" sh -c 'echo 1 > /sys/module/pl_caller_threads/parameters/stop'
busy_caller_checks pl_caller_threads
reads=$(cat /tmp/reads.1 /tmp/reads.2 | wc -l)
echo "  # readers: $reads calls"
check "the readers called" [ "$reads" -gt 0 ]
check "every reader call returned 1042 or 2042" \
    [ "$(cat /tmp/reads.1 /tmp/reads.2 | grep -cxE '1042|2042')" -eq "$reads" ]
check "the count handed across the swaps is every call made, none lost or counted twice" \
    [ "$(calls_handed)" -eq $((started + reads)) ]
check "the consumers unload" rmmod pl_caller_threads pl_caller_live
check "interposer unloads" rmmod interposer
check "interposer_v2, quiesced, unloads" sh -c 'printf "quiesce interposer_v2\n" > /proc/preload/lifecycle && rmmod interposer_v2'
check "sample_lib unloads: no reference left" rmmod sample_lib
finish
