# preloadctl status shows whether preload is loaded, the size of its list,
# its counters and the interposers, as a table and as JSON.
. "$(dirname "$0")/../../lib.sh"
check "without preload it exits 3" exits 3 preloadctl status
check "... and says not loaded" said '^preload +not loaded$'
check "JSON says not loaded" exits 3 preloadctl status --json
check "... as a JSON field" said '"loaded":false'
start_preload
set_deps 'pl_a: pl_b pl_c\npl_c: pl_d\n'
insmod "$(ko pl_a)"
check "status succeeds" exits 0 preloadctl status
check "it says loaded" said '^preload +loaded$'
check "it counts entries and consumers" said '^entries +3 \(2 consumers\)$'
check "deps_loaded agrees with /proc/preload/stats" said "^deps_loaded +$(stat_of deps_loaded)\$"
check "... which counted the three loads" stat_is deps_loaded 3
check "every counter is shown" sh -c "awk '{print \$1}' $STATS | while read n; do grep -Eq \"^\$n +[0-9]+\$\" /tmp/exits.out || exit 1; done"
if [ -n "$(cat /proc/preload/interposers)" ]; then
    check "every interposer is listed" sh -c "awk '{print \$1}' /proc/preload/interposers |
        while read n; do grep -q \"^  \$n \" /tmp/exits.out || exit 1; done"
else
    check "no interposers read as none" said '^interposers +none$'
fi
check "status --json succeeds" exits 0 preloadctl status --json
check "JSON is one object" said '^\{.*\}$'
check "JSON says loaded" said '"loaded":true'
check "JSON counts entries" said '"entries":3'
check "JSON counts consumers" said '"consumers":2'
check "JSON has the counters" said "\"deps_loaded\":$(stat_of deps_loaded)[,}]"
check "JSON has the interposers list" said '"interposers":\['
check "nobody can see the status" exits 0 su nobody -s /bin/sh -c 'preloadctl status'
check "... without the entries, saying why" said '^entries +unknown: .*permission denied'
finish
