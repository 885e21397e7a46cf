# preloadctl rollback restores the list an apply replaced.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_a: pl_b\npl_c: ?pl_d\n'
printf 'pl_b: pl_c\n' > /etc/preload-modules.conf
check "apply succeeds" exits 0 preloadctl apply
check "the new list is live" deps_are 'pl_b: pl_c'
check "rollback succeeds" exits 0 preloadctl rollback
check "the old list is live again" deps_are 'pl_a: pl_b\npl_c: ?pl_d'
check "the restored entries work" insmod "$(ko pl_a)"
check "... pl_b was loaded first" holder pl_b pl_a
rm /var/lib/preloadctl/last-good.conf
check "without a saved list it exits 5" exits 5 preloadctl rollback
check "... saying so" said 'nothing to roll back to'
check "... and the live list is unchanged" deps_are 'pl_a: pl_b\npl_c: ?pl_d'
finish
