# A dependency with no symbol relation gets a real kernel link: /proc/modules
# "Used by", sysfs holders and the reference count.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_c: pl_d\n'
insmod "$(ko pl_c)"
check "/proc/modules lists pl_c under pl_d's users" used_by pl_d pl_c
check "lsmod shows it too" sh -c "lsmod | grep '^pl_d ' | grep -q pl_c"
check "/sys/module/pl_d/holders/pl_c exists" holder pl_d pl_c
check "pl_d's refcount is 1" [ "$(cat /sys/module/pl_d/refcnt)" = 1 ]
check "pl_c holds nothing it should not" [ "$(cat /sys/module/pl_c/refcnt)" = 0 ]
finish
