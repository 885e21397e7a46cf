# A swap with timeout=MS returns success after MS milliseconds while a call
# still sleeps in the old version: the consumers are on the new version,
# the old one stays quiescing (and says so in the log), rmmod refuses it,
# even after the call has returned, until "quiesce OLD" finishes the wait;
# then it is quiesced, has handed its count over, and unloads.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_sleepy: interposer\npl_caller_live: interposer\n'
check "a consumer whose call sleeps 5 s in the sample loads" modprobe pl_caller_sleepy
check "a consumer that user space calls through loads" modprobe pl_caller_live
check "... its calls go to the sample (1042)" param_is pl_caller_live compute 1042
check "interposer_v2 loads" modprobe interposer_v2
before=$(param interposer calls)
(cat /sys/module/pl_caller_sleepy/parameters/wait >/tmp/sleeper.out 2>&1) &
sleeper=$!
check "a call is inside the sample (its count went up)" \
    until_true 600 sh -c '[ "$(cat /sys/module/interposer/parameters/calls)" -gt '"$before"' ]'
check "swap interposer interposer_v2 timeout=300 returns success" \
    returns_within 120 swap interposer interposer_v2 timeout=300
check "... with the call still inside the sample, logged" \
    log_has 'preload: interposer: still quiescing after [0-9]+ ms'
check "... and the swap's return" \
    log_has 'preload: swap interposer -> interposer_v2 returned after [0-9]+ us; interposer is still quiescing'
refuse "... not as done" log_has 'swap interposer -> interposer_v2 done in'
check "interposer is state=quiescing" grep -q '^interposer .* state=quiescing' $INTERPOSERS
refuse "rmmod interposer is refused" rmmod interposer
check "... it is still loaded" loaded interposer
check "new calls answer version 2 (2042)" param_is pl_caller_live compute 2042
wait $sleeper
check "the sleeping call returned, answered by the sample (5000 + 1000)" grep -qx 6000 /tmp/sleeper.out
check "interposer is still quiescing: only a quiesce request finishes the wait" \
    grep -q '^interposer .* state=quiescing' $INTERPOSERS
refuse "rmmod interposer is still refused" rmmod interposer
check "quiesce interposer finishes the wait" returns_within 120 lifecycle quiesce interposer
check "interposer is quiesced" grep -q '^interposer .* state=quiesced' $INTERPOSERS
check "... logged" log_has 'interposer: quiesced: no call is left in it'
# Calls: compute (1.0), the sleeping wait (1.0), compute (2.0).
check "interposer_v2 holds the count of every call made, 3" param_is interposer_v2 calls 3
check "... the sample none" param_is interposer calls 0
check "everything unloads" sh -c 'rmmod pl_caller_sleepy pl_caller_live interposer && printf "quiesce interposer_v2\n" > /proc/preload/lifecycle && rmmod interposer_v2 sample_lib'
finish
