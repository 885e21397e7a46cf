# Lines for the same consumer merge; '-' and '_' are the same; reading gives
# canonical names, one line per consumer, dependencies in written order.
. "$(dirname "$0")/../../lib.sh"
start_preload
check "a messy list is accepted" set_deps '# comment\n\n  pl-c : pl-d\tpl_a\npl_b: pl_a\npl_c: ?pl_x pl_d\r\n'
check "it reads back canonical and merged" deps_are 'pl_b: pl_a\npl_c: pl_d pl_a ?pl_x'
check "the canonical text writes back unchanged" sh -c "cat $DEPS > /tmp/l; cat /tmp/l > $DEPS; cat $DEPS | cmp - /tmp/l"
finish
