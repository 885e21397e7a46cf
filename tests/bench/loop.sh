# Guest side of `make bench`: times insmod+rmmod of an unlisted module
# without preload, with preload and 10 entries, and with preload and 100 000
# entries, interleaved over several rounds in this one boot. Times come from
# the kernel log's timestamps around each loop.
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

measure() {
    echo "bench: begin $1" > /dev/kmsg
    i=0
    while [ $i -lt "$LOOPS" ]; do
        insmod $MODDIR/pl_plain.ko && rmmod pl_plain || exit 1
        i=$((i + 1))
    done
    echo "bench: end $1" > /dev/kmsg
}

# Warm the page cache and the loader before anything is timed.
configure none && measure warmup

round=1
while [ $round -le "$ROUNDS" ]; do
    for config in none small big; do
        configure $config || exit 1
        measure $config
    done
    round=$((round + 1))
done
[ "$(awk '$1 == "loads_seen" {print $2}' /proc/preload/stats)" -ge "$LOOPS" ] || exit 1

# Sum each configuration's loop time (seconds) and print the ratios.
dmesg | sed -n 's/^\[ *\([0-9.]*\)\] bench: \(begin\|end\) \(.*\)$/\1 \2 \3/p' | awk -v loops="$LOOPS" -v rounds="$ROUNDS" '
    $2 == "begin" { start[$3] = $1 }
    $2 == "end" { total[$3] += $1 - start[$3]; n = ++count[$3]; r[$3, n] = $1 - start[$3] }
    END {
        per = loops * rounds
        printf "\ninsmod+rmmod of an unlisted module, %d rounds x %d loops, interleaved:\n", rounds, loops
        for (i = 1; i <= rounds; i++)
            printf "  round %d: none %.3fs  small %.3fs  big %.3fs\n", i, r["none", i], r["small", i], r["big", i]
        printf "  without preload:            %.2f ms per load+unload\n", 1000 * total["none"] / per
        printf "  preload, 10 entries:        %.2f ms  ratio %.3f\n", 1000 * total["small"] / per, total["small"] / total["none"]
        printf "  preload, 100000 entries:    %.2f ms  ratio %.3f\n", 1000 * total["big"] / per, total["big"] / total["none"]
    }'
