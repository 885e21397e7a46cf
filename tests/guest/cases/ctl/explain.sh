# preloadctl explain MODULE shows its dependencies transitively, which are
# loaded, which are missing from disk, and any cycle; it exits 9 when the
# load would fail.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_a: pl_b ?pl_gone\npl_b: pl_c\npl_d: pl_missing\n'
insmod "$(ko pl_c)"
check "explain succeeds" exits 0 preloadctl explain pl_a
check "it uses the live list" said '^using the live list'
check "pl_b would be loaded first" said '^  pl_b  required, not loaded: would be loaded first$'
check "pl_c, pl_b's dependency, is loaded already" said '^    pl_c  required, loaded already'
check "the missing optional one is named" said '^  \?pl_gone  optional, missing from disk: skipped with a warning$'
check "the load order is given" said '^would load first, in this order: pl_b$'
check "the load would go ahead" said '^result: the load would go ahead$'
check "... and it does" insmod "$(ko pl_a)"
check "... loading pl_b first" holder pl_b pl_a
check "a missing required dependency: exit status 9" exits 9 preloadctl explain pl_d
check "... makes the load fail" said '^result: the load would fail: required pl_missing is missing from disk$'
check "... which the error line says too" said '^preloadctl: loading pl_d would fail: required pl_missing is missing from disk$'
refuse "... and it does" insmod "$(ko pl_d)"
check "--json gives the same verdict: exit status 9" exits 9 preloadctl explain --json pl_d
check "... as one JSON object" said '^\{.*"result":"fails".*\}$'
printf 'pl_d: pl_plain\npl_plain: pl_d\n' > /tmp/cycle.conf
check "explain against files with a cycle: exit status 9" exits 9 preloadctl explain pl_d /tmp/cycle.conf
check "... names the cycle" said 'result: the load would fail: dependency cycle: pl_d -> pl_plain -> pl_d$'
finish
