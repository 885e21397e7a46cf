# Bad lines fail the write with EINVAL, log one line naming the line number
# and reason, and leave the old list in place.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_a: pl_b\n'
long=$(head -c 56 /dev/zero | tr '\0' a)
huge=$(head -c 5000 /dev/zero | tr '\0' b)
i=0
for bad in "x: $long\n" 'x: b@d\n' 'no colon here\n' 'x: a\001b\n' "x: $huge\n" \
           '# ok\nx: y\n: y\n' 'x: ?\n' 'x y: z\n'; do
    i=$((i + 1))
    dmesg -c >/dev/null
    refuse "bad input $i is refused" set_deps "$bad"
    check "bad input $i is logged with its line number" log_has 'preload: /proc/preload/deps: line [0-9]+: '
    check "bad input $i left the list alone" deps_are 'pl_a: pl_b'
done
check "the third line is named for input 6" sh -c "printf '# ok\nx: y\n: y\n' > $DEPS 2>/dev/null; dmesg | grep -q 'line 3: '"
# dd names the write's errno (the shell's echo says only "I/O error").
check "the write fails with EINVAL" sh -c "echo 'x y: z' | dd of=$DEPS 2>&1 | grep -q \"error writing '$DEPS': Invalid argument\""
finish
