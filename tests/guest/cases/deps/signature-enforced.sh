# kernel-args: module.sig_enforce=1
# Dependencies go through the kernel's own loading, so signature enforcement
# still applies: an unsigned dependency is refused, and so is its consumer.
# Debian's kernel trusts only Debian's own key, which the project's modules
# are not signed with: there, enforcement refuses preload itself, clearly.
. "$(dirname "$0")/../../lib.sh"
check "signature enforcement is on" [ "$(cat /sys/module/module/parameters/sig_enforce)" = Y ]
if flavor_is_debian; then
    check "insmod preload.ko is refused" exits 1 start_preload
    check "... saying the key was rejected" said 'Key was rejected by service'
    check "the kernel said why" log_has 'Loading of unsigned module is rejected'
    check "preload is not loaded" not_loaded preload
    check "and left nothing behind" [ ! -e /proc/preload ]
    finish
fi
check "preload (signed) loads" start_preload
set_deps 'pl_c: pl_unsigned\npl_b: pl_d\n'
refuse "insmod pl_c fails" insmod "$(ko pl_c)"
check "the kernel refused the unsigned dependency" log_has 'Loading of unsigned module is rejected'
check "preload names both modules" log_has 'preload: pl_c: required dependency pl_unsigned could not be loaded'
check "pl_unsigned is not loaded" not_loaded pl_unsigned
check "a signed dependency still loads" insmod "$(ko pl_b)"
check "and is linked" holder pl_d pl_b
finish
