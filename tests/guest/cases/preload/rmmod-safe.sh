# preload can be removed while modules it linked are loaded; the links stay
# valid and loads keep working without it.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_c: pl_d\n'
insmod "$(ko pl_c)"
check "rmmod preload succeeds" rmmod preload
check "the link outlives preload" holder pl_d pl_c
refuse "rmmod pl_d is still refused" rmmod pl_d
check "rmmod pl_c succeeds" rmmod pl_c
check "then rmmod pl_d succeeds" rmmod pl_d
check "an unrelated insmod works without preload" insmod "$(ko pl_plain)"
check "pl_c loads alone without preload" insmod "$(ko pl_c)"
check "preload can be loaded again" start_preload
finish
