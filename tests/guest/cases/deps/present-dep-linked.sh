# A dependency that is already loaded is not loaded again, just linked.
. "$(dirname "$0")/../../lib.sh"
start_preload
insmod "$(ko pl_d)"
set_deps 'pl_c: pl_d\n'
check "insmod pl_c succeeds" insmod "$(ko pl_c)"
check "pl_d initialised only once" [ "$(dmesg | grep -c 'pl_d: init')" = 1 ]
check "stats count it as already present" stat_is deps_present 1
check "stats count nothing loaded" stat_is deps_loaded 0
check "the link was recorded" holder pl_d pl_c
refuse "rmmod pl_d is refused" rmmod pl_d
finish
