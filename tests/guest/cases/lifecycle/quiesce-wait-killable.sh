# qemu-tcg: single-thread
# A request that waits behind another quiescence can be killed: a swap from
# the sample waits for a call sleeping 5 s inside it; a second request,
# "quiesce interposer", waits for its turn, and SIGKILL ends it at once,
# while the swap still waits; the swap then completes.
. "$(dirname "$0")/../../lib.sh"
# until_true TRIES CMD...: polls CMD every 0.1 s.
until_true() { n=$1; shift; while ! "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done; }
start_preload
set_deps 'pl_caller_sleepy: interposer\n'
check "a consumer of the sample loads" modprobe pl_caller_sleepy
check "interposer_v2 loads" modprobe interposer_v2
cat /sys/module/pl_caller_sleepy/parameters/wait > /tmp/sleeper.out &
sleep 1
(printf 'interposer interposer_v2\n' > /proc/preload/swap; echo "swap status $?" > /tmp/swap.status) &
swap_pid=$!
check "the swap waits for the sleeping call" until_true 50 log_has 'swapped interposer for interposer_v2'
(printf 'quiesce interposer\n' > /proc/preload/lifecycle) &
quiesce_pid=$!
sleep 0.5
kill -KILL $quiesce_pid
wait $quiesce_pid
check "the killed request has ended while the swap still waits" kill -0 $swap_pid
wait
check "the swap then succeeded" grep -qx 'swap status 0' /tmp/swap.status
check "the sleeping call was answered by the sample (5000 + 1000)" grep -qx 6000 /tmp/sleeper.out
check "interposer is quiesced" grep -q '^interposer .* state=quiesced' $INTERPOSERS
check "everything unloads" sh -c 'rmmod pl_caller_sleepy interposer && echo "quiesce interposer_v2" > /proc/preload/lifecycle && rmmod interposer_v2 sample_lib'
finish
