# preload copies two pieces of the module loader instead of calling them
# (module_enforce_rwx_sections()'s check, struct module_use's layout), so it
# checks at load that the running kernel is the one they were copied from:
# the version (7.3.4, or sid's 7.2.13), and, where the kernel has BTF
# (Debian's, modversions), the struct's members and offsets and the
# function's type, as BTF describes them.
. "$(dirname "$0")/../../lib.sh"
version='7\.3\.4'
[ "$PRELOAD_KERNEL" != debian-sid ] || version='7\.2\.13'
check "preload loads" start_preload
if flavor_has_btf; then
    check "... after comparing both with the kernel's BTF" \
        log_has "preload: kernel internals: Linux $version, and BTF describes struct module_use and module_enforce_rwx_sections\(\) as preload.s copies have them"
else
    check "... after checking the version; without BTF nothing more can be compared" \
        log_has "preload: kernel internals: Linux $version, as checked; no BTF, so struct module_use and module_enforce_rwx_sections\(\) are not compared"
fi
check "and records links in the kernel's own struct: a dependency link works" \
    sh -c "printf 'pl_a: pl_b\n' > $DEPS && modprobe pl_a && [ -e /sys/module/pl_b/holders/pl_a ] && rmmod pl_a pl_b"
finish
