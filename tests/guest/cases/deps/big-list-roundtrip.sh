# A 100 000-entry list written with cat reads back identically.
. "$(dirname "$0")/../../lib.sh"
start_preload
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "m%06d: d%06d ?o%06d\n", i, i, i }' > /tmp/big
check "cat writes it" sh -c "cat /tmp/big > $DEPS"
check "it reads back byte for byte" sh -c "cat $DEPS | cmp - /tmp/big"
check "a listed consumer from the middle is matched" sh -c "grep -q '^m054321: d054321 ?o054321$' $DEPS"
check "an unlisted module still loads" insmod "$(ko pl_plain)"
finish
