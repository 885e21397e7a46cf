# preloadctl rollback restores the list an apply replaced, from the history
# (preloadctl history); --dry-run changes nothing, --to N restores entry N.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_a: pl_b\npl_c: ?pl_d\n'
printf 'pl_b: pl_c\n' > /etc/preload-modules.conf
check "apply succeeds" exits 0 preloadctl apply
check "the new list is live" deps_are 'pl_b: pl_c'
check "... recorded as history entry 2" said 'history entry 2$'
check "rollback --dry-run succeeds" exits 0 preloadctl rollback --dry-run
check "... naming the entry it would restore" said '^would restore history entry 1 \(found, '
check "... and the difference" said '^\+pl_a: pl_b$'
check "... and changes nothing" deps_are 'pl_b: pl_c'
check "rollback succeeds" exits 0 preloadctl rollback
check "the old list is live again" deps_are 'pl_a: pl_b\npl_c: ?pl_d'
check "the restored entries work" insmod "$(ko pl_a)"
check "... pl_b was loaded first" holder pl_b pl_a
check "a second rollback changes nothing" exits 0 preloadctl rollback
check "... saying so" said '^unchanged: '
check "... and the list stays" deps_are 'pl_a: pl_b\npl_c: ?pl_d'
check "history lists the entries" exits 0 preloadctl history
check "... newest first, the rollback live" said '^\* 3  .*  rollback  '
check "... then the apply" said '^  2  .*  apply  .*/etc/preload-modules.conf$'
check "rollback --to 2 succeeds" exits 0 preloadctl rollback --to 2
check "... and entry 2's list is live" deps_are 'pl_b: pl_c'
check "rollback --to 99 exits 5" exits 5 preloadctl rollback --to 99
check "... saying so" said 'no entry 99 in the history'
rm -r /var/lib/preloadctl/history
check "without a history it exits 5" exits 5 preloadctl rollback
check "... saying so" said 'nothing to roll back to'
check "... and the live list is unchanged" deps_are 'pl_b: pl_c'
finish
