# Guest side of `make bench`: times insmod+rmmod of an unlisted module
# without preload, with preload and 10 entries, and with preload and 100 000
# entries, interleaved over several rounds in this one boot, then again with
# an idle ftrace user in every configuration. Times come from the kernel
# log's timestamps around each loop.
MODDIR=/lib/modules/$(uname -r)/extra
ROUNDS=${ROUNDS:-5}
LOOPS=${LOOPS:-100}

awk 'BEGIN { for (i = 0; i < 10; i++) printf "c%d: d%d\n", i, i }' > /tmp/small
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "m%06d: d%06d ?o%06d\n", i, i, i }' > /tmp/big

configure() {
    rmmod preload 2>/dev/null
    case $1 in
        none) ;;
        small) insmod $MODDIR/preload.ko && cat /tmp/small > /proc/preload/deps ;;
        big) insmod $MODDIR/preload.ko && cat /tmp/big > /proc/preload/deps ;;
    esac
}

# Times LOOPS insmod+rmmod pairs; appends "LABEL SECONDS" to /tmp/times. The
# kernel log is read right away: the fixture's own lines soon overwrite it.
measure() {
    echo "bench: begin $1" > /dev/kmsg
    i=0
    while [ $i -lt "$LOOPS" ]; do
        insmod $MODDIR/pl_plain.ko && rmmod pl_plain || exit 1
        i=$((i + 1))
    done
    echo "bench: end $1" > /dev/kmsg
    dmesg | sed -n "s/^\[ *\([0-9.]*\)\] bench: \(begin\|end\) $1\$/\1/p" | tail -n 2 |
        awk -v label="$1" 'NR == 1 { start = $1 } NR == 2 { print label, $1 - start }' >> /tmp/times
}

# Interleaves the three configurations over ROUNDS rounds, rotating their
# order each round so that no configuration always goes first; loop times are labelled
# "SECTION-CONFIG".
run_rounds() {
    round=1 order="none small big"
    while [ $round -le "$ROUNDS" ]; do
        for config in $order; do
            configure $config || exit 1
            measure "$1-$config"
            # With preload loaded, its hook must have seen every load.
            [ $config = none ] || [ "$(awk '$1 == "loads_seen" {print $2}' /proc/preload/stats)" -ge "$LOOPS" ] || exit 1
        done
        order="${order#* } ${order%% *}"
        round=$((round + 1))
    done
}

# Warm the page cache and the loader before anything is timed.
configure none && measure warmup
run_rounds plain

# Control: any active ftrace user makes module loading faster on this kernel,
# preload or not. With the function tracer on a function the loop never
# calls, every configuration has one, and only preload's own work differs.
# (The tracer is turned on once: turning it off and on again trips a 7.3
# ftrace bug with a stale trampoline.)
mount -t tracefs nodev /sys/kernel/tracing
echo kernel_restart > /sys/kernel/tracing/set_ftrace_filter
echo function > /sys/kernel/tracing/current_tracer
run_rounds control

# Sum each configuration's loop time (seconds) and print the ratios.
awk -v loops="$LOOPS" -v rounds="$ROUNDS" '
    { total[$1] += $2; count[$1]++ }
    END {
        per = loops * rounds
        printf "\ninsmod+rmmod of an unlisted module, %d rounds x %d loops, interleaved:\n", rounds, loops
        for (s = 1; s <= 2; s++) {
            section = s == 1 ? "plain" : "control"
            if (count[section "-none"] != rounds || count[section "-small"] != rounds || count[section "-big"] != rounds) {
                print "missing measurements for " section; exit 1
            }
            none = total[section "-none"]; small = total[section "-small"]; big = total[section "-big"]
            printf "%s:\n", s == 1 ? "as asked (baseline: no preload)" : "control (baseline: no preload, an idle ftrace user)"
            printf "  without preload:          %6.2f ms per load+unload\n", 1000 * none / per
            printf "  preload, 10 entries:      %6.2f ms  ratio %.3f\n", 1000 * small / per, small / none
            printf "  preload, 100000 entries:  %6.2f ms  ratio %.3f\n", 1000 * big / per, big / none
        }
    }' /tmp/times
