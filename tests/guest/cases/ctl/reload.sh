# preloadctl reload unloads preload and loads it again with config= the
# merged config under /run, giving the list apply would give; it refuses,
# saying why, when preload is not loaded or the config does not check.
. "$(dirname "$0")/../../lib.sh"
mkdir -p /etc/preload-modules.d
printf 'pl_a: pl_b\n' > /etc/preload-modules.conf
printf 'pl_c: pl_d\n' > /etc/preload-modules.d/10.conf
check "without preload it refuses with exit 3" exits 3 preloadctl reload
check "... saying preload is not loaded" said 'refusing to reload: preload is not loaded'
check "... and loads nothing" not_loaded preload
start_preload
set_deps 'pl_b: pl_c\n'
check "reload succeeds" exits 0 preloadctl reload
check "preload was loaded again with the merged config" log_has 'preload: /run/preloadctl/preload-modules.conf: 2 entries'
check "the list equals the merged config" deps_are 'pl_a: pl_b\npl_c: pl_d'
check "... which is what apply would give" exits 0 preloadctl apply --dry-run
check "... so apply has no changes" said '^no changes$'
check "the reloaded list works" insmod "$(ko pl_a)"
check "... pl_b was loaded first" holder pl_b pl_a
printf 'pl_c: pl_c\n' > /etc/preload-modules.d/20-bad.conf
check "an invalid config is refused with exit 1" exits 1 preloadctl reload
check "... naming file, line and reason" said '^/etc/preload-modules.d/20-bad.conf:1: pl_c depends on itself$'
check "preload is still loaded" loaded preload
check "... with its list" deps_are 'pl_a: pl_b\npl_c: pl_d'
finish
