# An interposer whose declaration cannot be honoured (it does not import the
# original it claims to redefine) is refused at its own load, clearly.
. "$(dirname "$0")/../../lib.sh"
start_preload
check "load sample_lib" modprobe sample_lib
refuse "insmod pl_bad_interposer fails" insmod "$(ko pl_bad_interposer)"
check "preload named the declaration and the reason" log_has 'pl_bad_interposer: cannot be an interposer: modinfo "interpose=sample_lib_compute:pl_bad_replacement": it does not import the original'
check "nothing is registered" sh -c "! grep -q pl_bad_interposer $INTERPOSERS"
check "a consumer listing it fails to load, naming it" sh -c "echo 'pl_caller_a: pl_bad_interposer' > $DEPS; ! insmod $(ko pl_caller_a)"
check "the message names both" log_has 'pl_caller_a: required dependency pl_bad_interposer could not be loaded'
finish
