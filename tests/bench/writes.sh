# Guest side of `make bench`, third part: how long writing a whole list to
# /proc/preload/deps with cat takes, for 10 000 and 100 000 entries (one
# dependency per line, consumers in shuffled order, so that each write's
# entries land all over the list so far), interleaved over several rounds in
# this one boot, and the ratio of the two. Each write is read back. Then the
# kernel memory the live list holds, for 10, 10 000 and 100 000 entries,
# and whether it all comes back when preload is unloaded.
MODDIR=/lib/modules/$(uname -r)/extra
ROUNDS=${ROUNDS:-3}

# Free memory in kB. The list is kvmalloc memory: large kmalloc or vmalloc
# pages, which neither Slab nor VmallocUsed shows alone, so the measure is
# the drop in MemFree (a few hundred kB of noise in this quiet guest).
free_kb() { sleep 1; awk '/^MemFree:/ { print $2 }' /proc/meminfo; }
for n in 10 10000 100000; do
    awk -v n=$n 'BEGIN { for (i = 0; i < n; i++) { k = (i * 7919) % n; printf "m%06d: d%06d\n", k, k } }' \
        > /tmp/list$n
done
before_kb=$(free_kb)
insmod $MODDIR/preload.ko || exit 1

# Writes list $1 once; appends "ENTRIES SECONDS" to /tmp/writes.
measure() {
    : > /proc/preload/deps
    start=$(cut -d' ' -f1 /proc/uptime)
    cat /tmp/list$1 > /proc/preload/deps || exit 1
    end=$(cut -d' ' -f1 /proc/uptime)
    [ "$(wc -l < /proc/preload/deps)" -eq "$1" ] || { echo "the $1-entry list did not read back"; exit 1; }
    echo "$1 $start $end" | awk '{ print $1, $3 - $2 }' >> /tmp/writes
}

measure 10000   # warm-up, not counted
: > /tmp/writes
round=1
while [ $round -le "$ROUNDS" ]; do
    if [ $((round % 2)) -eq 1 ]; then measure 10000; measure 100000; else measure 100000; measure 10000; fi
    round=$((round + 1))
done

awk -v rounds="$ROUNDS" '
    { total[$1] += $2; count[$1]++ }
    END {
        if (count[10000] != rounds || count[100000] != rounds) { print "missing measurements"; exit 1 }
        small = total[10000] / rounds; big = total[100000] / rounds
        printf "\nwriting a whole list with cat (/proc/uptime, 10 ms resolution), mean of %d rounds:\n", rounds
        printf "  10 000 entries:   %6.2f s\n", small
        printf "  100 000 entries:  %6.2f s\n", big
        printf "  ratio:            %6.1f\n", big / small
    }' /tmp/writes

# Memory: each list written on its own, measured while it is live.
printf '\nkernel memory held by the live list (drop in MemFree):\n'
for n in 10 10000 100000; do
    : > /proc/preload/deps
    empty_kb=$(free_kb)
    cat /tmp/list$n > /proc/preload/deps || exit 1
    kb=$((empty_kb - $(free_kb)))
    echo "$n $kb" | awk '{ printf "  %6d entries: %7d kB", $1, $2; if ($1 >= 10000) printf ", %.0f bytes an entry", $2 * 1024 / $1; printf "\n" }'
done
: > /proc/preload/deps
rmmod preload || exit 1
lost_kb=$((before_kb - $(free_kb)))
if [ $lost_kb -le 0 ]; then
    echo "  after rmmod preload: all of it back ($((-lost_kb)) kB more free than before it was loaded)"
else
    echo "  after rmmod preload: $lost_kb kB less free than before it was loaded"
fi
