# preload refuses a kernel whose loader internals it was not checked against,
# naming the kernel and the versions it knows, and leaves nothing behind.
# pl_preload_unverified.ko is preload built to know only Linux 7.3.0
# (scripts/build-modules builds it with --cfg preload_unverified_build): a
# deliberately mismatched build, as preload would be on a kernel it does not know.
. "$(dirname "$0")/../../lib.sh"
# The release as a regular expression (Debian's has a +).
release=$(uname -r | sed 's/[.+]/\\&/g')
check "insmod of the mismatched build fails" exits 1 insmod "$(ko pl_preload_unverified)"
check "... with EINVAL (kmod says: Invalid parameters)" said 'could not insert module .*: Invalid (argument|parameters)'
check "preload named the kernel and the version it knows" \
    log_has "preload: this kernel is $release; preload's copies of the module loader's internals \(module_enforce_rwx_sections\(\), struct module_use\) are those of Linux 7\.3\.0: refusing to load"
check "preload is not loaded" not_loaded preload
check "and left nothing behind" [ ! -e /proc/preload ]
check "the real build loads after it" start_preload
check "... and works: a dependency link" \
    sh -c "printf 'pl_a: pl_b\n' > $DEPS && modprobe pl_a && [ -e /sys/module/pl_b/holders/pl_a ]"
finish
