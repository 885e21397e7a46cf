# A required dependency that cannot be loaded fails the consumer's load with
# a message naming both; nothing is left behind.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_c: pl_d pl_nonexistent\n'
refuse "insmod pl_c fails" insmod "$(ko pl_c)"
check "the error names both modules, and modprobe's exit status" log_has 'preload: pl_c: required dependency pl_nonexistent could not be loaded \(modprobe failed with exit status 1\); refusing to load pl_c'
check "pl_c is not loaded" not_loaded pl_c
check "pl_c never ran" sh -c "! dmesg | grep -q 'pl_c: init'"
# busybox insmod retries a failed finit_module() with init_module(): both fail.
check "stats count the failures" [ "$(stat_of failures)" -ge 1 ]
check "pl_d (loaded first) is free to go" rmmod pl_d
finish
