# Shared settings for the project's scripts; sourced, not run.
# Caches live outside the checkout so a fresh clone reuses a kernel built before.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${PRELOAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/preload}
TOOLS_DIR=$CACHE_DIR/tools
BINDGEN=$TOOLS_DIR/bin/bindgen
BUSYBOX_STATIC=$TOOLS_DIR/busybox-static/busybox
BUILD_DIR=$TOP/build
# The series the project's own kernels (test, debug, modversions) are built
# from, and the series preload knows (check-kdir refuses others).
KERNEL_VERSION_SERIES=7.3
SUPPORTED_SERIES="7.2 7.3"
DEBIAN_MIRROR=http://deb.debian.org/debian

# The kernel flavor every script works on: `test` (the project's own
# tinyconfig kernel with lockdep), `debug` (the same with KASAN, kmemleak,
# UBSAN and the hang detectors, built by LLVM), `modversions` (the test
# kernel with symbol CRCs and BTF, as Ubuntu builds its kernel), `debian`
# (Debian's unmodified trixie-backports 7.3 image) or `debian-sid` (Debian
# sid's unmodified 7.2 image).
FLAVOR=${PRELOAD_KERNEL:-test}
case $FLAVOR in
    test|debug|modversions|debian|debian-sid) ;;
    *) echo "preload: error: PRELOAD_KERNEL=$FLAVOR: the flavors are test, debug, modversions, debian and debian-sid" >&2; exit 2 ;;
esac
# Whether the flavor is one of Debian's kernels, whose modules are built in a
# chroot of its suite.
is_debian() { [[ $FLAVOR == debian* ]]; }
# Where the modules built for the flavor go (kbuild's MO=).
MODULES_DIR=$BUILD_DIR/$FLAVOR/modules
# Debian's kernel: its suite (the chroot's), release and the gcc it was built
# with; trixie-backports' 7.3 unless the flavor is debian-sid. The source is
# the test kernels' (bound at /src/linux in the chroot) for trixie's, sid's
# linux-source-7.2 (unpacked in the chroot) for sid's.
DEBIAN_SUITE=trixie DEBIAN_RELEASE=7.3.4+deb13-amd64 DEBIAN_GCC=gcc-14 DEBIAN_SOURCE=/src/linux
[ "$FLAVOR" != debian-sid ] ||
    DEBIAN_SUITE=sid DEBIAN_RELEASE=7.2.13+deb14-amd64 DEBIAN_GCC=gcc-16 DEBIAN_SOURCE=/usr/src/linux-source-7.2
# The Debian tree's build directory inside the chroot, and the variables of
# every make there: the compiler and release Debian's kernel was built with
# (its headers' .kernelvariables); rustc and bindgen are the chroot's.
DEBIAN_KDIR=/build/linux-$DEBIAN_RELEASE
DEBIAN_KMAKE_VARS=(ARCH=x86 CROSS_COMPILE=x86_64-linux-gnu- CC=x86_64-linux-gnu-$DEBIAN_GCC
                   HOSTCC=$DEBIAN_GCC KERNELRELEASE="$DEBIAN_RELEASE")

# Variables every kernel make (the kernel itself and M= builds) needs.
KMAKE_VARS=(ARCH=x86_64 RUSTC="${RUSTC:-/usr/bin/rustc}" RUSTDOC="${RUSTDOC:-/usr/bin/rustdoc}"
            BINDGEN="$BINDGEN" LIBCLANG_PATH=/usr/lib/llvm-19/lib)
# Rust allows KASAN only with clang: the debug kernel and its modules use LLVM 19.
[ "$FLAVOR" != debug ] || KMAKE_VARS+=(LLVM=-19)

# What fails a guest's console: a kernel splat (BUG:, WARNING:, Oops, KASAN,
# UBSAN, lockdep, a hung task, a soft lockup, a kmemleak report).
KERNEL_SPLAT='BUG:|WARNING:|Oops|KASAN|UBSAN:|general protection fault|Kernel panic|Call Trace:|suspicious RCU usage|blocked for more than|soft lockup|unreferenced object'

# The line the guest's init prints first, before it runs anything: a console
# without it is a kernel that crashed or hung while booting.
GUEST_BOOTED='qemu-run: guest booted'
# guest_booted CONSOLE: the guest in CONSOLE reached its init.
guest_booted() { grep -q "$GUEST_BOOTED" "$1" 2>/dev/null; }

log() { echo "preload: $*" >&2; }
die() { echo "preload: error: $*" >&2; exit 1; }
# The static binaries that scripts/build-userspace makes for the guest.
PRELOADCTL_TARGET_DIR=$BUILD_DIR/userspace
PRELOADCTL_STATIC=$PRELOADCTL_TARGET_DIR/x86_64-unknown-linux-gnu/release/preloadctl
BAD_WRITES_STATIC=$PRELOADCTL_TARGET_DIR/x86_64-unknown-linux-gnu/release/bad-writes
