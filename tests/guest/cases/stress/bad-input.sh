# Stress: bad input at volume. bad-writes (tests/stress/bad-writes) writes
# over 10 000 malformed lists (random bytes, valid lists with one byte
# changed or a NUL put in, lines far past LINE_MAX), each refused with
# EINVAL by the write() that carries it, and splits malformed lists in two
# writes at every offset; the live list must not change. Then preloadctl
# apply refuses 300 malformed config files, changing nothing.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_a: pl_b ?pl_c\npl_d: pl_plain\n'
check "bad-writes: every malformed write refused, the list unchanged" exits 0 bad-writes --seed 7
sed 's/^/  # /' /tmp/exits.out
check "... over 10 000 of them" \
    [ "$(sed -n 's/^\([0-9]*\) malformed writes refused.*/\1/p' /tmp/exits.out)" -ge 10000 ]
check "the live list is what it was" deps_are 'pl_a: pl_b ?pl_c\npl_d: pl_plain'
check "the log was rate-limited, not flooded" [ "$(dmesg | grep -c '/proc/preload/deps: ')" -lt 1000 ]
# The count of what was held back comes with the first message after the
# 5-second interval.
sleep 6
refuse "one more bad write" set_deps 'pl_a?\n'
check "... saying how much it held back" log_has 'preload_log_refusal: [0-9]+ callbacks suppressed'

bad-writes --seed 8 --corpus /tmp/bad 300
applied=0
for file in /tmp/bad/*.conf; do
    preloadctl apply "$file" >/dev/null 2>&1
    status=$?
    [ $status -eq 1 ] || { echo "preloadctl apply $file: exit status $status"; applied=$((applied + 1)); }
done
check "preloadctl apply refused each of 300 malformed files with exit status 1" [ "$applied" -eq 0 ]
check "the live list is still what it was" deps_are 'pl_a: pl_b ?pl_c\npl_d: pl_plain'
check "a valid write still works" set_deps 'pl_a: pl_b\n'
check "... and is live" deps_are 'pl_a: pl_b'
finish
