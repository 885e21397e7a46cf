# rmmod preload while a load is inside preload's hook, sleeping on modprobe:
# rmmod waits for it, the load completes, nothing breaks. (Whether the link
# is still made depends on whether the load reaches its COMING notifier
# before preload unregisters it; the README says so.)
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_c: pl_slow\n'
insmod "$(ko pl_c)" &
loader=$!
sleep 1
check "pl_slow is still initialising when rmmod starts" sh -c "grep -q '^pl_slow .*Loading' /proc/modules && ! dmesg | grep -q 'pl_c: init'"
check "rmmod preload succeeds" rmmod preload
check "preload is gone" not_loaded preload
check "the load it was in the middle of succeeded" wait $loader
check "pl_slow finished before pl_c started" log_order 'pl_slow: init' 'pl_c: init'
check "rmmod pl_c then pl_slow succeeds" rmmod pl_c pl_slow
finish
