# Shared settings for the project's scripts; sourced, not run.
# Caches live outside the checkout so a fresh clone reuses a kernel built before.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${PRELOAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/preload}
TOOLS_DIR=$CACHE_DIR/tools
BINDGEN=$TOOLS_DIR/bin/bindgen
BUILD_DIR=$TOP/build
KERNEL_VERSION_SERIES=7.3

# Variables every kernel make (the kernel itself and M= builds) needs.
KMAKE_VARS=(ARCH=x86_64 RUSTC="${RUSTC:-/usr/bin/rustc}" RUSTDOC="${RUSTDOC:-/usr/bin/rustdoc}"
            BINDGEN="$BINDGEN" LIBCLANG_PATH=/usr/lib/llvm-19/lib)

log() { echo "preload: $*" >&2; }
die() { echo "preload: error: $*" >&2; exit 1; }
# The static preloadctl that scripts/build-userspace makes for the guest.
PRELOADCTL_TARGET_DIR=$BUILD_DIR/userspace
PRELOADCTL_STATIC=$PRELOADCTL_TARGET_DIR/x86_64-unknown-linux-gnu/release/preloadctl
