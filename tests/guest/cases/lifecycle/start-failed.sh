# An interposer whose start handler failed stays loaded and takes no
# consumer until a start succeeds: a consumer that lists it is refused,
# saying why (or loads without it if the entry is optional); once its start
# succeeds the same consumer binds to it.
. "$(dirname "$0")/../../lib.sh"
lifecycle() { printf '%s\n' "$*" > /proc/preload/lifecycle; }
start_preload
check "pl_old_interposer loads with a failing start handler" modprobe pl_old_interposer fail_start=1
check "... its start failed, so it stays loaded" grep -q '^pl_old_interposer .* state=loaded handlers=start,quiesce$' $INTERPOSERS
set_deps 'pl_caller_live: pl_old_interposer\n'
refuse "a consumer that lists it is refused" modprobe pl_caller_live
check "... saying why" log_has 'pl_caller_live: interposer pl_old_interposer is loaded \(its start handler failed\); refusing to bind pl_caller_live to it'
set_deps 'pl_caller_live: ?pl_old_interposer\n'
check "listed as optional, the consumer loads without it" modprobe pl_caller_live
check "... its calls go to the original (42)" param_is pl_caller_live compute 42
check "unload it" rmmod pl_caller_live
echo 0 > /sys/module/pl_old_interposer/parameters/fail_start
check "start succeeds now" lifecycle start pl_old_interposer
set_deps 'pl_caller_live: pl_old_interposer\n'
check "the consumer binds to it (42 + 500)" sh -c 'modprobe pl_caller_live && [ "$(cat /sys/module/pl_caller_live/parameters/compute)" = 542 ]'
check "everything unloads" sh -c 'rmmod pl_caller_live && echo "quiesce pl_old_interposer" > /proc/preload/lifecycle && rmmod pl_old_interposer sample_lib'
finish
