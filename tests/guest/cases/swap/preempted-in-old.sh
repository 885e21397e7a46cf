# A swap waits for a call that is running, not sleeping, inside the old
# version: pl_old_interposer (0.9) busy-waits 3000 ms with preemption on in
# its replacement of sample_lib_compute (spin_ms), called once by a user
# read of pl_caller_live's compute; the swap to interposer_v2 starts while
# that call spins. The write has not returned while the call still spins
# (the old version is quiescing meanwhile), and when it returns the call
# has been answered by 0.9 (542) and the swap's "done" line comes after the
# spin began; new calls answer 2.0; 0.9 is quiesced and unloads.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_live: pl_old_interposer\n'
check "pl_old_interposer 0.9 loads, each call of its replacement spinning 3000 ms" \
    modprobe pl_old_interposer spin_ms=3000
check "a consumer of it loads" modprobe pl_caller_live
check "interposer_v2 (2.0) loads, with no consumer" modprobe interposer_v2
rm -f /tmp/read.out /tmp/read.status /tmp/swap.status
(cat /sys/module/pl_caller_live/parameters/compute >/tmp/read.out 2>&1; echo $? >/tmp/read.status) &
check "a call spins inside 0.9" until_true 600 log_has 'pl_old_interposer: spinning 3000 ms'
(returns_within 120 swap pl_old_interposer interposer_v2; echo "swap status $?" >/tmp/swap.status) &
check "the swap has retargeted the consumer to interposer_v2" \
    until_true 600 log_has 'swapped pl_old_interposer for interposer_v2'
# Each in this order (the swap's state, then the read's): a swap that has
# returned while the read still has not is a swap that did not wait.
check "while the call still spins, the swap write has not returned" \
    sh -c '! [ -e /tmp/swap.status ] || [ -e /tmp/read.status ]'
check "... and pl_old_interposer is quiescing" \
    sh -c 'grep -q "^pl_old_interposer .* state=quiescing" '$INTERPOSERS' || [ -e /tmp/read.status ]'
[ -e /tmp/read.status ] && echo "  # (the call had returned already: the two checks above could not tell)"
wait
check "the spinning call returned, answered by 0.9 (42 + 500)" \
    sh -c '[ "$(cat /tmp/read.status) $(cat /tmp/read.out)" = "0 542" ]'
check "the swap write then returned and succeeded" grep -qx 'swap status 0' /tmp/swap.status
check "the swap began while the call spun" \
    log_order 'pl_old_interposer: spinning 3000 ms' 'swapped pl_old_interposer for interposer_v2'
check "the swap's done line came after" \
    log_order 'swapped pl_old_interposer for interposer_v2' 'swap pl_old_interposer -> interposer_v2 done in [0-9]+ us'
check "... and pl_old_interposer was quiesced" log_has 'pl_old_interposer: quiesced: no call is left in it'
check "pl_old_interposer is quiesced" grep -q '^pl_old_interposer .* state=quiesced' $INTERPOSERS
check "new calls answer 2.0 (42 + 2000)" param_is pl_caller_live compute 2042
check "pl_old_interposer unloads" rmmod pl_old_interposer
check "everything else unloads" sh -c 'rmmod pl_caller_live && printf "quiesce interposer_v2\n" > /proc/preload/lifecycle && rmmod interposer_v2 sample_lib'
finish
