# Load/unload cycles of consumers and the interposer leak nothing: module
# reference counts come back to their start values.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_a: interposer\npl_caller_b: interposer\n'
check "load sample_lib" modprobe sample_lib
lib_start=$(refcnt_of sample_lib)
preload_start=$(refcnt_of preload)
i=0
while [ $i -lt 5 ]; do
    check "cycle $i: consumers load" sh -c "insmod $(ko pl_caller_a) && insmod $(ko pl_caller_b)"
    check "cycle $i: both bound" bound_is interposer 2
    check "cycle $i: everything unloads" sh -c 'rmmod pl_caller_a && rmmod pl_caller_b && rmmod interposer'
    i=$((i + 1))
done
check "sample_lib's refcount is back to its start" [ "$(refcnt_of sample_lib)" -eq "$lib_start" ]
check "preload's refcount is back to its start" [ "$(refcnt_of preload)" -eq "$preload_start" ]
check "no interposer is left registered" [ -z "$(cat $INTERPOSERS)" ]
check "sample_lib unloads" rmmod sample_lib
check "preload unloads" rmmod preload
finish
