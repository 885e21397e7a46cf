# An optional dependency that cannot be loaded leaves the consumer loading,
# with a warning that names it.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_c: ?pl_nonexistent pl_d\n'
check "insmod pl_c succeeds" insmod "$(ko pl_c)"
check "the warning names both" log_has 'preload: pl_c: optional dependency pl_nonexistent could not be loaded'
check "the required dependency was still loaded and linked" holder pl_d pl_c
finish
