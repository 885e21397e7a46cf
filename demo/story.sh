# The demo's story, run inside the QEMU guest by scripts/demo.
MODDIR=/lib/modules/$(uname -r)/extra
step() { printf '\n\033[1m=== %s\033[0m\n' "$*"; }
run() { printf '\033[36m# %s\033[0m\n' "$*"; sh -c "$*" 2>&1; }
quiet_kernel() { echo 1 > /proc/sys/kernel/printk; }
kernel_says() {
    printf '\033[36m# dmesg (new lines)\033[0m\n'
    dmesg -c >/tmp/kmsg
    sed -n 's/^\[[ .0-9]*\] //p' /tmp/kmsg | grep -E "$1"
}

quiet_kernel; dmesg -c >/dev/null
step "The kernel (PRELOAD_KERNEL=${PRELOAD_KERNEL:-test}) and its module tools:"
run "cat /proc/version"
run "modprobe --version"

step "pl_user calls pl_dep_value(), exported by pl_dep. Plain insmod, no preload:"
run "insmod $MODDIR/pl_user.ko"
kernel_says 'pl_user'

step "Load preload and tell it that pl_user needs pl_dep:"
run "insmod $MODDIR/preload.ko"
kernel_says 'preload'
run "echo 'pl_user: pl_dep' > /proc/preload/deps"
run "cat /proc/preload/deps"

step "The same plain insmod now succeeds: preload loaded pl_dep first:"
run "insmod $MODDIR/pl_user.ko"
kernel_says 'pl_user|pl_dep|preload'

step "A dependency without any symbol relation is linked for real too:"
run "printf 'pl_user: pl_dep\\npl_c: pl_d ?pl_not_installed\\n' > /proc/preload/deps"
run "cat /proc/preload/deps"
run "insmod $MODDIR/pl_c.ko"
kernel_says 'pl_c|pl_d|preload'
run "lsmod"
run "ls /sys/module/pl_d/holders/"

step "rmmod of a dependency is refused while its consumer is loaded:"
run "rmmod pl_d"
run "rmmod pl_c && rmmod pl_d && echo 'pl_c gone, then pl_d removed'"

step "A bad line is refused and the list stays as it was:"
run "echo 'pl_c pl_d' | dd of=/proc/preload/deps 2>&1 | head -n1"
kernel_says 'preload'
run "cat /proc/preload/deps"

step "Interposition: pl_caller_a lists the interposer; pl_caller_b does not:"
run "printf 'pl_caller_a: interposer\\n' > /proc/preload/deps"
run "modinfo -F interpose $MODDIR/interposer.ko"
run "insmod $MODDIR/pl_caller_a.ko && insmod $MODDIR/pl_caller_b.ko"
kernel_says 'pl_caller|interpos'
run "cat /sys/module/pl_caller_a/parameters/compute /sys/module/pl_caller_b/parameters/compute"
run "cat /proc/preload/interposers"
run "rmmod interposer"
run "rmmod pl_caller_a && cat /proc/preload/interposers && rmmod interposer && echo 'interposer removed'"

step "Hot swap: pl_caller_live keeps calling while interposer 1.0 hands it to 2.0:"
run "printf 'pl_caller_live: interposer\\n' > /proc/preload/deps"
run "insmod $MODDIR/pl_caller_live.ko && modprobe interposer_v2"
run "cat /sys/module/pl_caller_live/parameters/compute"
run "preloadctl swap interposer interposer_v2"
kernel_says 'swap|interpos'
run "cat /sys/module/pl_caller_live/parameters/compute"
run "preloadctl status"
run "rmmod interposer && echo 'interposer 1.0 quiesced, unlinked and removed; pl_caller_live stays'"
run "rmmod pl_caller_live && preloadctl stop interposer_v2"

step "Counters:"
run "cat /proc/preload/stats"
