# Stress: kmod's own selftest (tools/testing/selftests/kmod/kmod.sh with
# test_kmod.ko, which makes the kernel run modprobe from up to 58 threads at
# once) passes without preload, and passes again with preload loaded and a
# list that gives the modules it loads dependencies. Tests 0012 and 0013 need
# capsh and are not run; the counts are cut to bound the time under QEMU.
. "$(dirname "$0")/../lib.sh"
KMOD_SH=/usr/share/kselftest/kmod/kmod.sh
# kmod_selftest LOG: runs the selected tests; the first failure stops it.
kmod_selftest() {
    for test in "0001 1" "0002 1" "0003 1" "0004 1" "0005 1" "0006 1" "0007 1" \
                "0008 1" "0009 1" "0010 1" "0011 1"; do
        set -- $test
        DEFAULT_KMOD_FS=pl_fs bash $KMOD_SH -c $1 $2 || return 1
    done
}
unload_all() { rmmod test_kmod test_module pl_fs pl_d pl_plain preload 2>/dev/null; true; }

check "kmod's selftest passes without preload" kmod_selftest
grep -c ': OK!' /tmp/check.out | sed 's/^/  # without preload: /; s/$/ checks OK/'
unload_all
start_preload
set_deps 'test_module: pl_d\npl_fs: pl_plain\n'
check "kmod's selftest passes with preload and a list" kmod_selftest
grep -c ': OK!' /tmp/check.out | sed 's/^/  # with preload: /; s/$/ checks OK/'
check "preload loaded test_module's listed dependency" log_has 'preload: test_module: loaded pl_d first'
check "... and the file system's" log_has 'preload: pl_fs: loaded pl_plain first'
check "no load was refused" sh -c "! dmesg | grep -E 'preload: .*(refusing|cycle)'"
finish
