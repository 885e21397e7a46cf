# Guest side of `make bench`, fourth part: swap latency under busy callers,
# and calls lost. While interposer and interposer_v2 are swapped back and
# forth SWAPS times (the quiesced one started again between swaps), three
# kinds of callers call sample_lib_compute through the sample's swap slots
# without a break: 4 kernel threads that never sleep (pl_caller_threads in
# its default mode, yield: cond_resched() every 1024 calls), an hrtimer in
# hard irq context and a timer_list in softirq context (pl_caller_irq), and
# two user-space readers (each read of pl_caller_live's compute is one call).
# Each swap's latency is the time preload logs for it ("swap A -> B done in
# N us"): from the write to /proc/preload/swap to the old version quiesced
# (seen out of every task's stack and every CPU's current context, interrupt
# frames included, after the slots moved), its state handed over and its
# links dropped, when the write returns. The busy callers count the version
# changes they saw in their results: the swaps that reached them.
MODDIR=/lib/modules/$(uname -r)/extra
SWAPS=${SWAPS:-100}

insmod $MODDIR/preload.ko || exit 1
printf 'pl_caller_live: interposer\npl_caller_threads: interposer\npl_caller_irq: interposer\n' \
    > /proc/preload/deps || exit 1
insmod $MODDIR/pl_caller_live.ko && modprobe interposer_v2 && insmod $MODDIR/pl_caller_irq.ko &&
    insmod $MODDIR/pl_caller_threads.ko || exit 1
lifecycle() { printf '%s\n' "$*" > /proc/preload/lifecycle; }
param() { cat /sys/module/$1/parameters/$2; }

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
echo 1 > /sys/module/pl_caller_threads/parameters/stop || exit 1
echo 1 > /sys/module/pl_caller_irq/parameters/stop || exit 1
# The count moved with every swap: the two versions' counts together are
# every call answered since the consumers loaded.
handed=$(($(param interposer calls) + $(param interposer_v2 calls)))
made=$(cat /tmp/calls.1 /tmp/calls.2 | wc -l)
answered=$(cat /tmp/calls.1 /tmp/calls.2 | grep -cxE '1042|2042')
printf '\nswaps under load, %d swaps while 4 threads that never sleep, 2 interrupt callers and 2 readers call through a swap slot:\n' "$SWAPS"
dmesg | sed -n 's/.*preload: swap [a-z_0-9]* -> [a-z_0-9]* done in \([0-9]*\) us$/\1/p' > /tmp/latency
[ "$(wc -l < /tmp/latency)" -eq "$SWAPS" ] || { echo "$(wc -l < /tmp/latency) swap times logged, $SWAPS expected"; exit 1; }
sort -n /tmp/latency | awk '{ v[NR] = $1 } END {
    p50 = v[int((NR + 1) * 0.50)]; p99 = v[int(NR * 0.99 + 0.999)]
    printf "  swap latency (write to quiesced): p50 %.1f ms  p99 %.1f ms  max %.1f ms\n", p50 / 1000, p99 / 1000, v[NR] / 1000
}'
printf '  reader calls made during them: %d; answered by one version or the other: %d; lost: %d\n' \
    "$made" "$answered" $((made - answered))
total=$made
# busy NAME CALLERS: one busy caller module's line.
busy() {
    s=$(param $1 started) v1=$(param $1 v1) v2=$(param $1 v2) bad=$(param $1 bad) sw=$(param $1 switches)
    printf '  %s: %d calls, answered by 1.0: %d, by 2.0: %d, otherwise: %d, lost: %d; version changes seen: %d by its %d callers (%d swaps each at most)\n' \
        $1 "$s" "$v1" "$v2" "$bad" $((s - v1 - v2 - bad)) "$sw" "$2" "$SWAPS"
    total=$((total + s))
}
busy pl_caller_threads 4
busy pl_caller_irq 2
printf '  count handed across the swaps: %d (the calls made: %d)\n' "$handed" "$total"
