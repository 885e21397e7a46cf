# Guest side of `make bench`, second part: calls per second from a module
# to sample_lib's functions, bound directly (pl_bench_a, unlisted); to the
# same replacements in C in a non-swappable interposer, bound directly
# (pl_bench_d, listing pl_bench_interposer), and in a swappable one, through
# its swap slots, with no counter (pl_bench_e, listing pl_bench_swappable):
# the difference is what swappability costs, the slot's jump; and to the
# sample interposer's replacements (Rust, counting the calls it answered, its
# state), through its swap slots (pl_bench_b). Loaded in rotating order over several rounds in this
# one boot. pl_bench_c is a second direct copy: its ratio to pl_bench_a is
# the noise floor. The fixtures time their own loops (bench_calls.h) and log
# the result.
MODDIR=/lib/modules/$(uname -r)/extra
ROUNDS=${ROUNDS:-5}
CALLS=${CALLS:-10000000}

insmod $MODDIR/preload.ko || exit 1
printf 'pl_bench_b: interposer\npl_bench_d: pl_bench_interposer\npl_bench_e: pl_bench_swappable\n' \
    > /proc/preload/deps || exit 1
modprobe interposer && modprobe pl_bench_interposer && modprobe pl_bench_swappable || exit 1

# Loads fixture $1 once; appends "MODULE FUNCTION NS" lines to /tmp/calls.
measure() {
    insmod $MODDIR/$1.ko calls=$CALLS && rmmod $1 || exit 1
    dmesg | sed -n "s/.*$1: \(step\|compute\) $CALLS calls \([0-9]*\) ns.*/$1 \1 \2/p" | tail -n 2 >> /tmp/calls
}

round=1 order="pl_bench_a pl_bench_b pl_bench_c pl_bench_d pl_bench_e"
while [ $round -le "$ROUNDS" ]; do
    for module in $order; do measure $module; done
    order="${order#* } ${order%% *}"
    round=$((round + 1))
done
# The interposed fixtures must really have been bound to the interposers.
dmesg | grep -q 'pl_bench_b: binds sample_lib_step to interposer' || exit 1
dmesg | grep -q 'pl_bench_d: binds sample_lib_step to pl_bench_interposer' || exit 1
dmesg | grep -q 'pl_bench_e: binds sample_lib_step to pl_bench_swappable' || exit 1

awk -v calls="$CALLS" -v rounds="$ROUNDS" '
    { ns[$1 " " $2] += $3; count[$1 " " $2]++ }
    END {
        for (k in count) if (count[k] != rounds) { print "missing measurements for " k; exit 1 }
        if (length(count) != 10) { print "missing measurements"; exit 1 }
        n = calls * rounds
        printf "\ncalls from a module, %d rounds x %d calls, rotating order:\n", rounds, calls
        printf "  direct sample_lib_step:               %7.2f ns/call  %7.1f M calls/s\n", ns["pl_bench_a step"] / n, 1e3 * n / ns["pl_bench_a step"]
        printf "  interposed, direct (replacement only):%6.2f ns/call  %7.1f M calls/s  ratio %.3f\n", ns["pl_bench_d step"] / n, 1e3 * n / ns["pl_bench_d step"], ns["pl_bench_a step"] / ns["pl_bench_d step"]
        printf "  interposed, swap slot, no counter:    %7.2f ns/call  %7.1f M calls/s  ratio %.3f\n", ns["pl_bench_e step"] / n, 1e3 * n / ns["pl_bench_e step"], ns["pl_bench_a step"] / ns["pl_bench_e step"]
        printf "  the Rust sample, swap slot (same):    %7.2f ns/call  %7.1f M calls/s  ratio %.3f\n", ns["pl_bench_b step"] / n, 1e3 * n / ns["pl_bench_b step"], ns["pl_bench_a step"] / ns["pl_bench_b step"]
        printf "  direct again, another module:         %7.2f ns/call  %7.1f M calls/s  ratio %.3f (noise)\n", ns["pl_bench_c step"] / n, 1e3 * n / ns["pl_bench_c step"], ns["pl_bench_a step"] / ns["pl_bench_c step"]
        printf "  direct sample_lib_compute:            %7.2f ns/call  %7.1f M calls/s\n", ns["pl_bench_a compute"] / n, 1e3 * n / ns["pl_bench_a compute"]
        printf "  interposed, direct, calling next:     %7.2f ns/call  %7.1f M calls/s  ratio %.3f\n", ns["pl_bench_d compute"] / n, 1e3 * n / ns["pl_bench_d compute"], ns["pl_bench_a compute"] / ns["pl_bench_d compute"]
        printf "  interposed, slot, no counter, next:   %7.2f ns/call  %7.1f M calls/s  ratio %.3f\n", ns["pl_bench_e compute"] / n, 1e3 * n / ns["pl_bench_e compute"], ns["pl_bench_a compute"] / ns["pl_bench_e compute"]
        printf "  the Rust sample, swap slot, next:     %7.2f ns/call  %7.1f M calls/s  ratio %.3f\n", ns["pl_bench_b compute"] / n, 1e3 * n / ns["pl_bench_b compute"], ns["pl_bench_a compute"] / ns["pl_bench_b compute"]
        printf "  direct again, another module:         %7.2f ns/call  %7.1f M calls/s  ratio %.3f (noise)\n", ns["pl_bench_c compute"] / n, 1e3 * n / ns["pl_bench_c compute"], ns["pl_bench_a compute"] / ns["pl_bench_c compute"]
        printf "  (ratio: interposed calls per second / direct calls per second)\n"
    }' /tmp/calls
