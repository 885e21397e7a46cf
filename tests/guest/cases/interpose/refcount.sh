# The interposer counts the consumers bound to it: 1, 2, 1, 0, and its
# kernel reference count follows.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_a: interposer\npl_caller_b: interposer\n'
check "load interposer" modprobe interposer
start=$(refcnt_of interposer)
check "no consumers yet" bound_is interposer 0
check "first consumer" insmod "$(ko pl_caller_a)"
check "count 1" bound_is interposer 1
check "second consumer" insmod "$(ko pl_caller_b)"
check "count 2" bound_is interposer 2
check "both listed" grep -Eq '^interposer bound=2 consumers=(pl_caller_a,pl_caller_b|pl_caller_b,pl_caller_a) ' $INTERPOSERS
check "kernel refcount went up by 2" [ "$(refcnt_of interposer)" -eq $((start + 2)) ]
check "unload one" rmmod pl_caller_a
check "count 1" bound_is interposer 1
check "unload the other" rmmod pl_caller_b
check "count 0" bound_is interposer 0
check "kernel refcount back to its start" [ "$(refcnt_of interposer)" -eq "$start" ]
check "at zero the interposer unloads" rmmod interposer
check "and is gone from the list" sh -c "! grep -q '^interposer ' $INTERPOSERS"
finish
