# The interposer redefines the kernel's _printk for the consumer that lists
# it: that consumer's messages are tagged, another module's are not, in the
# same boot, at the same time.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_a: interposer\n'
check "insmod the listing consumer" insmod "$(ko pl_caller_a)"
check "insmod a consumer that does not list it" insmod "$(ko pl_caller_b)"
check "both are loaded at once" sh -c 'grep -q "^pl_caller_a " /proc/modules && grep -q "^pl_caller_b " /proc/modules'
check "the listing consumer's message is tagged" log_has '\[interposer\] pl_caller_a: hello'
check "the other module's message is not" log_has '\] pl_caller_b: hello'
refuse "and never tagged" log_has '\[interposer\] pl_caller_b'
check "preload said what it bound" log_has 'pl_caller_a: binds _printk to interposer.s interposer_printk'
finish
