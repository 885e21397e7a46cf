# Modules without an entry load as before and are only counted.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_c: pl_d\n'
check "insmod pl_plain succeeds" insmod "$(ko pl_plain)"
check "nothing else was loaded" not_loaded pl_d
check "pl_plain has no holders" [ -z "$(ls /sys/module/pl_plain/holders)" ]
check "the load was seen" stat_is loads_seen 1
check "but not matched" stat_is loads_matched 0
check "rmmod pl_plain succeeds" rmmod pl_plain
finish
