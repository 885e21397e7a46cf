# Stress: a udev-style storm. Twelve modprobes of one listed consumer at
# once, then of three consumers sharing slow dependencies: the first load of
# each module loads, the others wait and find it loaded, every modprobe
# exits 0 and every module initialises once. Then twelve init_module() calls
# (busybox insmod), which the kernel does not merge as it merges finit_module()
# of one file: one loads, the others fail as without preload, "File exists".
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_c: pl_slow\npl_a: pl_slow pl_d\npl_b: pl_d pl_slow\npl_user: pl_dep pl_slow\n'

at_once 12 modprobe pl_c
check "12 concurrent modprobe pl_c all exit 0" [ "$(exited 0)" -eq 12 ]
check "pl_c is loaded, linked to pl_slow" holder pl_slow pl_c
check "pl_slow initialised once" log_count_is 'pl_slow: init' 1
check "pl_c initialised once" log_count_is 'pl_c: init' 1

at_once 12 sh -c 'set -- pl_a pl_b pl_user; shift $((AT_ONCE_INDEX % 3)); modprobe $1'
check "12 concurrent modprobes of 3 consumers sharing dependencies all exit 0" [ "$(exited 0)" -eq 12 ]
check "... every one linked to its dependencies" \
    sh -c 'for c in pl_a pl_b pl_user; do [ -e /sys/module/pl_slow/holders/$c ] || exit 1; done;
           [ -e /sys/module/pl_d/holders/pl_a ] && [ -e /sys/module/pl_d/holders/pl_b ] &&
           [ -e /sys/module/pl_dep/holders/pl_user ]'
for m in pl_a pl_b pl_user pl_d pl_dep; do
    check "... $m initialised once" log_count_is "$m: init" 1
done
check "pl_slow still initialised once" log_count_is 'pl_slow: init' 1
check "no load was refused" sh -c "! dmesg | grep -E 'preload: .*(refusing|cycle)'"

check "unload all" rmmod pl_a pl_b pl_c pl_user pl_d pl_dep pl_slow
# busybox insmod calls init_module() once finit_module() refuses a gzip file.
cp "$(ko pl_c)" /tmp/pl_c.ko && gzip /tmp/pl_c.ko
at_once 12 busybox insmod /tmp/pl_c.ko.gz
check "12 concurrent init_module() of pl_c: one succeeds" [ "$(exited 0)" -eq 1 ]
check "... the others fail with File exists, as without preload" \
    [ "$(grep -l 'File exists' /tmp/at_once.*.out | wc -l)" -eq 11 ]
check "pl_c is loaded once, linked to pl_slow" holder pl_slow pl_c
check "pl_slow initialised once more" log_count_is 'pl_slow: init' 2
check "unload all" rmmod pl_c pl_slow
finish
