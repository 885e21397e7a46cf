# A swap holds both interposers until it is over: while pl_old_interposer's
# quiesce handler sleeps (the swap's first step), rmmod of the new version,
# which nothing else holds yet, is refused; the swap then completes and the
# consumer's calls go to the new version.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_live: pl_old_interposer\n'
check "a consumer of pl_old_interposer 0.9 loads" modprobe pl_caller_live
check "... its calls go to 0.9 (42 + 500)" param_is pl_caller_live compute 542
check "the sample (1.0) loads, with no consumer" modprobe interposer
# until_true TRIES CMD...: polls CMD every 0.1 s.
until_true() { n=$1; shift; while ! "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done; }
echo 8000 > /sys/module/pl_old_interposer/parameters/quiesce_ms
(printf 'pl_old_interposer interposer\n' > /proc/preload/swap; echo "swap status $?" > /tmp/swap.status) &
check "the swap is in the old version's quiesce handler" \
    until_true 50 log_has 'pl_old_interposer: quiescing \(sleeping 8000 ms\)'
refuse "rmmod of the new version is refused meanwhile" rmmod interposer
check "... it is still loaded" loaded interposer
wait
check "the swap succeeded" grep -qx 'swap status 0' /tmp/swap.status
check "the consumer's calls go to the new version (42 + 1000)" param_is pl_caller_live compute 1042
check "everything unloads" rmmod pl_caller_live pl_old_interposer interposer sample_lib
finish
