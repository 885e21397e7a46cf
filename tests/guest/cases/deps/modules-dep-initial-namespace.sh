# preload reads modules.dep (and /sys/kernel/btf) where modprobe does, in
# the initial mount namespace, not in the loading task's: an insmod from a
# mount namespace whose /lib/modules hides the real one still has its cycle
# seen in the real modules.dep (see load-time-cycle), and fails fast.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_loop_x: pl_loop_y\n'
cp "$(ko pl_loop_x)" /tmp/pl_loop_x.ko
refuse "insmod pl_loop_x from a namespace with an empty /lib/modules fails" \
    timeout 60 unshare -m sh -c "mount -t tmpfs tmpfs /lib/modules && ! [ -e $MODDIR ] && insmod /tmp/pl_loop_x.ko"
check "the cycle is named, per the real modules.dep" log_has 'preload: pl_loop_x: required dependency pl_loop_y could not be loaded \(it would close a dependency cycle, per modules.dep: pl_loop_x -> pl_loop_y -> pl_loop_x\)'
check "nothing is left loaded" sh -c "! grep -q pl_loop /proc/modules"
finish
