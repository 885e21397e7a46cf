# strict_interpose=1: only symbols a consumer flags "interposable" are
# interposed; the others bind to the originals, with a log line saying so.
. "$(dirname "$0")/../../lib.sh"
start_preload strict_interpose=1
set_deps 'pl_caller_flagged: interposer\npl_caller_a: interposer\n'
check "insmod the flagging consumer" insmod "$(ko pl_caller_flagged)"
check "flagged compute is interposed" param_is pl_caller_flagged compute 1042
check "unflagged step binds to sample_lib" param_is pl_caller_flagged step 2
check "unflagged _printk binds to the kernel's" log_has '\] pl_caller_flagged: hello'
check "the log says step was not interposed" log_has 'pl_caller_flagged: strict mode: sample_lib_step is not flagged interposable'
check "insmod a consumer that flags nothing" insmod "$(ko pl_caller_a)"
check "its compute is sample_lib's" param_is pl_caller_a compute 42
check "its step is sample_lib's" param_is pl_caller_a step 2
check "it is not counted as bound" grep -q '^interposer bound=1 consumers=pl_caller_flagged ' $INTERPOSERS
check "strict mode off at run time" sh -c 'echo 0 > /sys/module/preload/parameters/strict_interpose'
check "reload the flagging consumer" sh -c "rmmod pl_caller_flagged && insmod $(ko pl_caller_flagged)"
check "without strict mode compute is interposed" param_is pl_caller_flagged compute 1042
check "and so is step" param_is pl_caller_flagged step 101
finish
