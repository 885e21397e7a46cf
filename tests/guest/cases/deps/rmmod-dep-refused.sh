# rmmod of a dependency is refused while its consumer is loaded, and
# allowed once the consumer is gone (no reference leaks).
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_c: pl_d\n'
insmod "$(ko pl_c)"
refuse "rmmod pl_d is refused while pl_c is loaded" rmmod pl_d
check "pl_d is still loaded" loaded pl_d
check "rmmod pl_c succeeds" rmmod pl_c
check "pl_d's refcount dropped to 0" [ "$(cat /sys/module/pl_d/refcnt)" = 0 ]
check "the holders link is gone" [ ! -e /sys/module/pl_d/holders/pl_c ]
check "rmmod pl_d now succeeds" rmmod pl_d
finish
