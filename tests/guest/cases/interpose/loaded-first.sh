# An interposer listed but not loaded is loaded first (with sample_lib, its
# own dependency, through modprobe), by a plain insmod of the consumer.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_a: interposer\n'
check "interposer is not loaded" not_loaded interposer
check "sample_lib is not loaded" not_loaded sample_lib
check "plain insmod of the consumer" insmod "$(ko pl_caller_a)"
check "interposer was loaded first" log_order 'preload: pl_caller_a: loaded interposer first' 'pl_caller_a: hello'
check "sample_lib came with it" loaded sample_lib
check "the consumer is bound" param_is pl_caller_a compute 1042
finish
