# A consumer whose load fails after preload planned its bindings and before
# it came leaves nothing that blocks the interposer: pl_caller_unresolved
# lists the sample and needs pl_dep, which is not loaded, so insmod fails
# with "Unknown symbol"; the sample can still be quiesced and started (it
# serves no one), and the same consumer loads bound to it once pl_dep is
# there.
. "$(dirname "$0")/../../lib.sh"
lifecycle() { printf '%s\n' "$*" > /proc/preload/lifecycle; }
start_preload
set_deps 'pl_caller_unresolved: interposer\n'
modprobe interposer
refuse "pl_caller_unresolved fails to load without pl_dep" insmod "$(ko pl_caller_unresolved)"
check "... for its unknown symbol" log_has 'pl_caller_unresolved: Unknown symbol pl_dep_value'
check "... after preload planned its binding" log_has 'pl_caller_unresolved: binds sample_lib_compute to interposer'
check "the sample serves no one" bound_is interposer 0
check "quiesce interposer is not refused as busy" lifecycle quiesce interposer
check "start interposer" lifecycle start interposer
check "with pl_dep loaded, the consumer loads" sh -c "modprobe pl_dep && insmod $(ko pl_caller_unresolved)"
check "... bound to the sample (42 + 1000)" log_has '\[interposer\] pl_caller_unresolved: 1042 '
check "... and counted as its consumer" bound_is interposer 1
check "everything unloads" rmmod pl_caller_unresolved pl_dep interposer sample_lib
finish
