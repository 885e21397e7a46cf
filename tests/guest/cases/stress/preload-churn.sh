# Stress: preload itself comes and goes 20 times while a consumer keeps
# loading and three readers keep reading /proc/preload/*; then the
# interposer is removed and loaded again and again while two bound consumers
# come and go. No splat, no leaked reference, every bound load is bound right.
. "$(dirname "$0")/../../lib.sh"
rm -f /tmp/churn.done
(
    n=0
    while [ ! -e /tmp/churn.done ] && [ $n -lt 500 ]; do
        insmod "$(ko pl_c)" 2>/dev/null; rmmod pl_c 2>/dev/null; rmmod pl_d 2>/dev/null
        n=$((n + 1))
    done
) &
for file in deps stats interposers; do
    (
        reads=0
        while [ ! -e /tmp/churn.done ]; do
            cat /proc/preload/$file >/dev/null 2>&1 && reads=$((reads + 1))
        done
        echo $reads >/tmp/reads.$file
    ) &
done
cycles=0
i=0
while [ $i -lt 20 ]; do
    start_preload && set_deps 'pl_c: pl_d\n' && rmmod preload && cycles=$((cycles + 1))
    i=$((i + 1))
done
touch /tmp/churn.done
wait
echo "  # reads while preload came and went: $(cat /tmp/reads.deps) deps, $(cat /tmp/reads.stats) stats, $(cat /tmp/reads.interposers) interposers"
check "20 rounds of insmod preload, list write, rmmod preload" [ $cycles -eq 20 ]
check "the readers read while preload was loaded" \
    [ "$(cat /tmp/reads.deps)" -gt 0 ] && [ "$(cat /tmp/reads.stats)" -gt 0 ]
rmmod pl_c 2>/dev/null
check "pl_d, if loaded, holds no reference" sh -c "[ ! -e /sys/module/pl_d ] || [ \$(cat /sys/module/pl_d/refcnt) = 0 ]"
rmmod pl_d 2>/dev/null
check "nothing is left loaded" sh -c "! grep -q '^pl_' /proc/modules"

start_preload
set_deps 'pl_caller_a: interposer\npl_caller_b: interposer\n'
modprobe sample_lib
lib_refs=$(refcnt_of sample_lib)
rm -f /tmp/churn.done
# caller_loop CONSUMER: loads and unloads CONSUMER until the churn is done;
# a load that succeeded but did not get the interposer's compute is written
# to /tmp/unbound.CONSUMER.
caller_loop() {
    : >/tmp/unbound.$1
    n=0
    while [ ! -e /tmp/churn.done ] && [ $n -lt 500 ]; do
        if insmod "$(ko "$1")" 2>/dev/null; then
            [ "$(param "$1" compute)" = 1042 ] || echo "load $n: compute=$(param "$1" compute)" >>/tmp/unbound.$1
            rmmod "$1"
        fi
        n=$((n + 1))
    done
    echo $n >/tmp/loads.$1
}
caller_loop pl_caller_a &
caller_loop pl_caller_b &
removed=0
i=0
while [ $i -lt 40 ]; do
    modprobe interposer 2>/dev/null
    rmmod interposer 2>/dev/null && removed=$((removed + 1))
    i=$((i + 1))
done
touch /tmp/churn.done
wait
echo "  # interposer removed $removed times in 40 tries; consumer loads: $(cat /tmp/loads.pl_caller_a) pl_caller_a, $(cat /tmp/loads.pl_caller_b) pl_caller_b"
check "the interposer was removed between consumers" [ $removed -gt 0 ]
check "every pl_caller_a load was bound to the interposer" [ ! -s /tmp/unbound.pl_caller_a ]
check "every pl_caller_b load was bound to the interposer" [ ! -s /tmp/unbound.pl_caller_b ]
if loaded interposer; then
    check "the interposer has no consumers left" bound_is interposer 0
    check "... and unloads" rmmod interposer
fi
check "sample_lib's reference count is back where it was" [ "$(refcnt_of sample_lib)" -eq "$lib_refs" ]
check "sample_lib unloads" rmmod sample_lib
check "preload unloads" rmmod preload
check "nothing is left loaded" [ -z "$(cat /proc/modules)" ]
finish
