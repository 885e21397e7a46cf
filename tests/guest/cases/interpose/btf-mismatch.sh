# An interposer whose replacement's BTF type is not its original's (declared
# by hand, past PRELOAD_INTERPOSE()'s compile-time check) is refused at its
# own load, naming both types, and leaves nothing behind; the sample
# interposer, whose C replacement of _printk has BTF, passes the same check.
# The test and debug kernels have no BTF: there the check has nothing to
# compare, and the interposer loads.
. "$(dirname "$0")/../../lib.sh"
start_preload
check "load sample_lib" modprobe sample_lib
if flavor_has_btf; then
    check "the kernel has BTF, sample_lib too" [ -e /sys/kernel/btf/vmlinux -a -e /sys/kernel/btf/sample_lib ]
    refuse "insmod pl_btf_mismatch fails" insmod "$(ko pl_btf_mismatch)"
    check "preload named both types" log_has 'pl_btf_mismatch: cannot be an interposer: modinfo "interpose=sample_lib_step:bad_step": replacement bad_step has type int \(int\) but sample_lib_step has type long int \(long int\)'
    check "pl_btf_mismatch is not loaded" not_loaded pl_btf_mismatch
    check "nothing is registered" sh -c "! grep -q pl_btf_mismatch $INTERPOSERS"
    check "sample_lib is not held" [ "$(refcnt_of sample_lib)" = 0 ]
    check "the sample interposer loads" modprobe interposer
    check "its C replacement's type matched; its three Rust ones have no BTF" log_has 'interposer: types checked against BTF: 1 match; not compared, no BTF for: replacement interposer_[a-z]+, replacement interposer_[a-z]+, replacement interposer_[a-z]+ \(Rust'
    for replacement in compute step wait; do
        check "... interposer_$replacement among them" log_has "types checked against BTF: 1 match; not compared, no BTF for: .*replacement interposer_$replacement[,( ]"
    done
else
    check "the kernel has no BTF" [ ! -e /sys/kernel/btf/vmlinux ]
    check "insmod pl_btf_mismatch loads: the check needs BTF" insmod "$(ko pl_btf_mismatch)"
    check "it is an interposer" grep -q '^pl_btf_mismatch ' $INTERPOSERS
    check "preload said nothing about types" sh -c "! dmesg | grep -q 'checked against BTF'"
fi
finish
