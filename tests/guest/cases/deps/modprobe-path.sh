# The hook fires for modprobe too (the kernel's loader, not a wrapper).
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_c: pl_d\n'
check "modprobe pl_c succeeds" modprobe pl_c
check "pl_d was loaded first and linked" holder pl_d pl_c
finish
