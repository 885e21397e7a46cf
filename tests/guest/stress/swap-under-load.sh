# qemu-tcg: single-thread
# Stress: interposer 1.0 and interposer_v2 are swapped back and forth 40
# times while 4 kernel threads (pl_caller_threads) and 2 readers (through
# pl_caller_live) call sample_lib_compute through the swap slots without a
# break: every call started returns one version's result and no other; the
# count of calls the versions hand each other grows by exactly the calls
# made (none lost, none counted twice); both versions answered; everything
# unloads afterwards.
. "$(dirname "$0")/../lib.sh"
swap() { printf '%s\n' "$*" > /proc/preload/swap; }
start() { printf 'start %s\n' "$1" > /proc/preload/lifecycle; }
counter() { param pl_caller_threads "$1"; }
start_preload
set_deps 'pl_caller_threads: interposer\npl_caller_live: interposer\n'
check "a consumer with 4 calling threads loads" insmod "$(ko pl_caller_threads)"
check "... and one that user space calls through" insmod "$(ko pl_caller_live)"
check "interposer_v2 loads" modprobe interposer_v2
rm -f /tmp/swaps.done
for reader in 1 2; do
    (while [ ! -e /tmp/swaps.done ]; do param pl_caller_live compute; done) >/tmp/reads.$reader 2>&1 &
done
swaps=0
i=0
while [ $i -lt 20 ]; do
    swap interposer interposer_v2 && start interposer &&
        swap interposer_v2 interposer force && start interposer_v2 && swaps=$((swaps + 2))
    i=$((i + 1))
done
touch /tmp/swaps.done
wait
check "40 swaps back and forth succeeded" [ $swaps -eq 40 ]
check "the threads stop" sh -c 'echo 1 > /sys/module/pl_caller_threads/parameters/stop'
started=$(counter started) v1=$(counter v1) v2=$(counter v2) bad=$(counter bad)
reads=$(cat /tmp/reads.1 /tmp/reads.2 | wc -l)
echo "  # threads: $started calls, $v1 answered by 1.0, $v2 by 2.0, $bad otherwise; readers: $reads calls"
check "the threads called many times" [ "$started" -ge 1000 ]
check "every call they started returned: started = answered by 1.0 + by 2.0 + other" \
    [ "$started" -eq $((v1 + v2 + bad)) ]
check "no call returned anything but one version's result" [ "$bad" -eq 0 ]
check "both versions answered the threads" [ "$v1" -gt 0 -a "$v2" -gt 0 ]
check "every reader call returned 1042 or 2042" \
    [ "$(cat /tmp/reads.1 /tmp/reads.2 | grep -cxE '1042|2042')" -eq "$reads" ]
check "the count handed across 40 swaps is every call made, none lost or counted twice" \
    [ $(($(param interposer calls) + $(param interposer_v2 calls))) -eq $((started + reads)) ]
check "the consumers unload" rmmod pl_caller_threads pl_caller_live
check "interposer unloads" rmmod interposer
check "interposer_v2, quiesced, unloads" sh -c 'printf "quiesce interposer_v2\n" > /proc/preload/lifecycle && rmmod interposer_v2'
check "sample_lib unloads: no reference left" rmmod sample_lib
finish
