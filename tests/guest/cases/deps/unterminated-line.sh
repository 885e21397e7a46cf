# A last line without its newline is judged as it arrives: a byte that
# nothing may fix fails the write() that carries it; only a line that a later
# write could still complete waits for close(), and a refusal there is
# counted in closes_refused.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_a: pl_b\n'
for bad in 'pl_c: pl/d' 'pl_c: pl_d?' 'pl_c?' 'pl_c: ? ' 'pl_c: pl_c ' 'pl_c: pl_d\0' \
           "pl_c: $(printf '%056d' 0)"; do
    refuse "write of '$bad' (no newline) fails" sh -c "printf '$bad' > $DEPS"
    check "... and the list is unchanged" deps_are 'pl_a: pl_b'
done
check "a bad unterminated line is named with its number" \
    sh -c "printf 'pl_x: pl_y\npl_c: p!' > $DEPS; dmesg | tail -n1 | grep -q 'line 2: bad character 0x21'"
check "no write was refused at close so far" stat_is closes_refused 0

# The bad byte arrives in the second write() of one open: that write fails.
exec 3>$DEPS
check "the first write of 'pl_c: pl' passes" sh -c "printf 'pl_c: pl' >&3"
refuse "the second write of '/d' fails" sh -c "printf '/d' >&3"
exec 3>&-
check "the list is unchanged" deps_are 'pl_a: pl_b'

# Split anywhere, a good line still goes through.
exec 3>$DEPS
printf 'pl_c: pl' >&3; printf '_d ?pl' >&3; printf '_e' >&3
exec 3>&-
check "a line split over three writes, without a newline, is applied" deps_are 'pl_c: pl_d ?pl_e'

# What a later write could still complete is only judged at close.
check "'pl_c' (no ':' yet) is accepted by its write" sh -c "printf 'pl_a: pl_b\npl_c' > $DEPS"
check "but refused at close: the list is unchanged" deps_are 'pl_c: pl_d ?pl_e'
check "the refusal is counted" stat_is closes_refused 1
check "the kernel log says why" log_has 'line 2: missing .:. after the consumer name'
finish
