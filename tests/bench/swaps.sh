# Guest side of `make bench`, fourth part: swap latency under load, and
# calls lost. Two readers call through a consumer of the swappable sample
# interposer (each read of pl_caller_live's compute is one call of
# sample_lib_compute) while interposer and interposer_v2 are swapped back
# and forth SWAPS times; the quiesced one is started again between swaps.
# Each swap's latency is the time preload logs for it ("swap A -> B done in
# N us"): from the write to /proc/preload/swap to the old version quiesced
# (no task's stack and no CPU's interrupt context holds an address in its
# code any more), its state handed over and its links dropped, when the
# write returns.
MODDIR=/lib/modules/$(uname -r)/extra
SWAPS=${SWAPS:-100}

insmod $MODDIR/preload.ko || exit 1
printf 'pl_caller_live: interposer\n' > /proc/preload/deps || exit 1
insmod $MODDIR/pl_caller_live.ko && modprobe interposer_v2 || exit 1
lifecycle() { printf '%s\n' "$*" > /proc/preload/lifecycle; }

calls_before=$(cat /sys/module/interposer/parameters/calls)
: > /tmp/stop
for reader in 1 2; do
    (while [ ! -s /tmp/stop ]; do cat /sys/module/pl_caller_live/parameters/compute; done) \
        > /tmp/calls.$reader 2>&1 &
done
sleep 1
old=interposer new=interposer_v2 force=
i=0
while [ $i -lt "$SWAPS" ]; do
    printf '%s %s %s\n' $old $new $force > /proc/preload/swap || { echo "swap $old $new failed"; exit 1; }
    lifecycle start $old || exit 1
    [ -z "$force" ] && force=force || force=
    t=$old old=$new new=$t
    i=$((i + 1))
done
echo stop > /tmp/stop
wait
# The count moved with every swap: the one serving now holds all of it.
calls_after=$(cat /sys/module/$old/parameters/calls)
made=$(cat /tmp/calls.1 /tmp/calls.2 | wc -l)
answered=$(cat /tmp/calls.1 /tmp/calls.2 | grep -cxE '1042|2042')
printf '\nswaps under load, %d swaps while 2 readers call through a swap slot:\n' "$SWAPS"
dmesg | sed -n 's/.*preload: swap [a-z_0-9]* -> [a-z_0-9]* done in \([0-9]*\) us$/\1/p' > /tmp/latency
[ "$(wc -l < /tmp/latency)" -eq "$SWAPS" ] || { echo "$(wc -l < /tmp/latency) swap times logged, $SWAPS expected"; exit 1; }
sort -n /tmp/latency | awk '{ v[NR] = $1 } END {
    p50 = v[int((NR + 1) * 0.50)]; p99 = v[int(NR * 0.99 + 0.999)]
    printf "  swap latency (write to quiesced): p50 %.1f ms  p99 %.1f ms  max %.1f ms\n", p50 / 1000, p99 / 1000, v[NR] / 1000
}'
printf '  calls made during them: %d; answered by one version or the other: %d; lost: %d\n' \
    "$made" "$answered" $((made - answered))
printf '  count handed across the swaps: grew by %d (the calls made: %d)\n' \
    $((calls_after - calls_before)) "$made"
