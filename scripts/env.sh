# Shared settings for the project's scripts; sourced, not run.
# Caches live outside the checkout so a fresh clone reuses a kernel built before.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${PRELOAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/preload}
TOOLS_DIR=$CACHE_DIR/tools
BINDGEN=$TOOLS_DIR/bin/bindgen
BUSYBOX_STATIC=$TOOLS_DIR/busybox-static/busybox
BUILD_DIR=$TOP/build
KERNEL_VERSION_SERIES=7.3
# Debian's own kernel (the `debian` flavor): trixie-backports' 7.3 build.
DEBIAN_RELEASE=7.3.4+deb13-amd64
DEBIAN_MIRROR=http://deb.debian.org/debian

# The kernel flavor every script works on: `test` (the project's own
# tinyconfig kernel with lockdep), `debug` (the same with KASAN, kmemleak,
# UBSAN and the hang detectors, built by LLVM), `modversions` (the test
# kernel with symbol CRCs and BTF, as Ubuntu builds its kernel) or `debian`
# (Debian's unmodified image).
FLAVOR=${PRELOAD_KERNEL:-test}
case $FLAVOR in
    test|debug|modversions|debian) ;;
    *) echo "preload: error: PRELOAD_KERNEL=$FLAVOR: the flavors are test, debug, modversions and debian" >&2; exit 2 ;;
esac
# Where the modules built for the flavor go (kbuild's MO=).
MODULES_DIR=$BUILD_DIR/$FLAVOR/modules
# The Debian tree's build directory inside the chroot, and the variables of
# every make there: the compiler and release Debian's kernel was built with
# (its headers' .kernelvariables); rustc and bindgen are the chroot's.
DEBIAN_KDIR=/build/linux-$DEBIAN_RELEASE
DEBIAN_KMAKE_VARS=(ARCH=x86 CROSS_COMPILE=x86_64-linux-gnu- CC=x86_64-linux-gnu-gcc-14
                   HOSTCC=gcc-14 KERNELRELEASE="$DEBIAN_RELEASE")

# Variables every kernel make (the kernel itself and M= builds) needs.
KMAKE_VARS=(ARCH=x86_64 RUSTC="${RUSTC:-/usr/bin/rustc}" RUSTDOC="${RUSTDOC:-/usr/bin/rustdoc}"
            BINDGEN="$BINDGEN" LIBCLANG_PATH=/usr/lib/llvm-19/lib)
# Rust allows KASAN only with clang: the debug kernel and its modules use LLVM 19.
[ "$FLAVOR" != debug ] || KMAKE_VARS+=(LLVM=-19)

log() { echo "preload: $*" >&2; }
die() { echo "preload: error: $*" >&2; exit 1; }
# The static binaries that scripts/build-userspace makes for the guest.
PRELOADCTL_TARGET_DIR=$BUILD_DIR/userspace
PRELOADCTL_STATIC=$PRELOADCTL_TARGET_DIR/x86_64-unknown-linux-gnu/release/preloadctl
BAD_WRITES_STATIC=$PRELOADCTL_TARGET_DIR/x86_64-unknown-linux-gnu/release/bad-writes
