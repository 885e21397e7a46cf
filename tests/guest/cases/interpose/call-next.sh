# An interposer's definition can call the one it replaced: compute() is
# sample_lib's 2*21 plus the interposer's 1000; step() does not call next.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_a: interposer\n'
check "insmod the consumer" insmod "$(ko pl_caller_a)"
check "compute(21) went through the interposer to sample_lib: 42 + 1000" param_is pl_caller_a compute 1042
check "step(1) is the interposer's own: 1 + 100" param_is pl_caller_a step 101
check "the tagged printk reached the real one (call next)" log_has '\[interposer\] pl_caller_a: hello, compute=1042 step=101'
finish
