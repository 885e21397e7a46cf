# A dependency's own entry applies when preload loads it.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_a: pl_b\npl_b: pl_c\n'
check "insmod pl_a succeeds" insmod "$(ko pl_a)"
check "pl_c initialised before pl_b" log_order 'pl_c: init' 'pl_b: init'
check "pl_b initialised before pl_a" log_order 'pl_b: init' 'pl_a: init'
check "pl_b is held by pl_a" holder pl_b pl_a
check "pl_c is held by pl_b" holder pl_c pl_b
check "stats count two loads" stat_is deps_loaded 2
finish
