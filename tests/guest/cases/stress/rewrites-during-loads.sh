# Stress: three loops load and unload a consumer 40 times each while the
# list is rewritten over and over (at least 2000 times), switching every
# consumer's dependencies. Every write is accepted, every load is counted
# once, and afterwards nothing holds a reference: every dependency unloads.
. "$(dirname "$0")/../../lib.sh"
start_preload
list_a='pl_a: pl_d\npl_b: pl_plain\npl_c: pl_dep\n'
list_b='pl_a: pl_plain pl_dep\npl_b: pl_d\npl_c: ?pl_gone pl_d\n'
set_deps "$list_a"
matched_before=$(stat_of loads_matched)

# load_loop CONSUMER: 40 rounds of insmod and rmmod CONSUMER.
load_loop() {
    n=0
    while [ $n -lt 40 ]; do
        insmod "$(ko "$1")" 2>/dev/null
        rmmod "$1" 2>/dev/null
        n=$((n + 1))
    done
    touch /tmp/done.$1
}
rm -f /tmp/done.*
for consumer in pl_a pl_b pl_c; do load_loop $consumer & done
writes=0 refused=0
while [ $writes -lt 2000 ] || [ "$(ls /tmp/done.* 2>/dev/null | wc -l)" -lt 3 ] && [ $writes -lt 100000 ]; do
    if [ $((writes % 2)) -eq 0 ]; then list=$list_b; else list=$list_a; fi
    set_deps "$list" || refused=$((refused + 1))
    writes=$((writes + 1))
done
wait
echo "  # $writes list writes during 120 consumer loads"
check "every list write was accepted" [ $refused -eq 0 ]
check "the last one is live" deps_are "$list"
check "all 120 loads were counted as loads of listed consumers, each once" \
    [ $(( $(stat_of loads_matched) - matched_before )) -eq 120 ]
rmmod pl_a pl_b pl_c 2>/dev/null
for dep in pl_d pl_plain pl_dep; do
    check "$dep holds no reference" sh -c "[ ! -e /sys/module/$dep ] || [ \$(cat /sys/module/$dep/refcnt) = 0 ]"
    rmmod $dep 2>/dev/null
done
check "nothing but preload is left loaded" sh -c "! grep -q '^pl_' /proc/modules"
set_deps "$list_a"
check "a consumer still gets its dependencies" insmod "$(ko pl_a)"
check "... linked" holder pl_d pl_a
finish
