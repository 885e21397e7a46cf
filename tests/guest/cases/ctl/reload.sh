# preloadctl restart unloads preload and loads it again with config= the
# merged config under /run, giving the list apply would give; preloadctl
# reload is apply (as systemctl reload): it writes the merged config to the
# live list and preload stays loaded. Both refuse, saying why, when preload
# is not loaded or the config does not check.
. "$(dirname "$0")/../../lib.sh"
mkdir -p /etc/preload-modules.d
printf 'pl_a: pl_b\n' > /etc/preload-modules.conf
printf 'pl_c: pl_d\n' > /etc/preload-modules.d/10.conf
check "without preload restart refuses with exit 3" exits 3 preloadctl restart
check "... saying preload is not loaded" said 'refusing to restart: preload is not loaded'
check "... and loads nothing" not_loaded preload
check "without preload reload exits 3 too" exits 3 preloadctl reload
check "... saying preload is not loaded" said 'preload is not loaded'
start_preload
set_deps 'pl_b: pl_c\n'
check "restart succeeds" exits 0 preloadctl restart
check "... saying so" said '^restarted preload \(entries: 2, config: /run/preloadctl/preload-modules.conf\); history entry 2$'
check "preload was loaded again with the merged config" log_has 'preload: /run/preloadctl/preload-modules.conf: 2 entries'
check "the list equals the merged config" deps_are 'pl_a: pl_b\npl_c: pl_d'
check "the history records it as restart" exits 0 preloadctl history
check "... the live entry 2" said '^\* 2  .*  restart  '
check "... which is what apply would give" exits 0 preloadctl apply --dry-run
check "... so apply has no changes" said '^no changes$'
check "the restarted list works" insmod "$(ko pl_a)"
check "... pl_b was loaded first" holder pl_b pl_a
seen=$(stat_of loads_seen)
printf 'pl_c: pl_d ?pl_gone\n' > /etc/preload-modules.d/10.conf
check "reload succeeds" exits 0 preloadctl reload
check "... applying the merged config" said '^applied \(entries: 3, files: 2\); history entry 3$'
check "the history records it as apply" exits 0 preloadctl history
check "... the live entry 3" said '^\* 3  .*  apply  '
check "the live list is the merged config" deps_are 'pl_a: pl_b\npl_c: pl_d ?pl_gone'
check "preload was not unloaded: its counters go on (a restart starts them at 0)" [ "$(stat_of loads_seen)" -ge "$seen" ]
check "... and pl_a, linked to pl_b, is still loaded" holder pl_b pl_a
check "a second reload changes nothing" exits 0 preloadctl reload
check "... and says so" said '^unchanged \(entries: 3\)$'
printf 'pl_c: pl_c\n' > /etc/preload-modules.d/20-bad.conf
check "an invalid config: restart refuses with exit 1" exits 1 preloadctl restart
check "... naming file, line and reason" said '^/etc/preload-modules.d/20-bad.conf:1: pl_c depends on itself$'
check "... and so does reload" exits 1 preloadctl reload
check "... naming file, line and reason" said '^/etc/preload-modules.d/20-bad.conf:1: pl_c depends on itself$'
check "preload is still loaded" loaded preload
check "... with its list" deps_are 'pl_a: pl_b\npl_c: pl_d ?pl_gone'
finish
