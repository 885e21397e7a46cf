# Loading and removing preload over and over while another task keeps
# loading a consumer: no splat, no leaked reference, preload works after.
. "$(dirname "$0")/../../lib.sh"
(
    i=0
    while [ $i -lt 60 ]; do
        insmod "$(ko pl_c)" 2>/dev/null; rmmod pl_c 2>/dev/null; rmmod pl_d 2>/dev/null
        i=$((i + 1))
    done
) &
loader=$!
j=0
while [ $j -lt 20 ]; do
    start_preload && set_deps 'pl_c: pl_d\n' && cat $DEPS >/dev/null
    rmmod preload
    j=$((j + 1))
done
wait $loader
rmmod pl_c 2>/dev/null
check "pl_d, if loaded, holds no reference" sh -c "[ ! -e /sys/module/pl_d ] || [ \$(cat /sys/module/pl_d/refcnt) = 0 ]"
rmmod pl_d 2>/dev/null
check "nothing is left loaded" sh -c "! grep -q '^pl_' /proc/modules"
check "preload loads again" start_preload
set_deps 'pl_c: pl_d\n'
check "and still works" insmod "$(ko pl_c)"
check "with its link" holder pl_d pl_c
finish
