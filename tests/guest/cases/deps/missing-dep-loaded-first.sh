# A listed dependency that is not loaded is loaded before the consumer.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_c: pl_d\n'
check "insmod pl_c succeeds" insmod "$(ko pl_c)"
check "pl_d was loaded" loaded pl_d
check "pl_d initialised before pl_c" log_order 'pl_d: init' 'pl_c: init'
check "preload says so" log_has 'preload: pl_c: loaded pl_d first'
check "stats count one dependency loaded" stat_is deps_loaded 1
finish
