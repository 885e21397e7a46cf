# Only CAP_SYS_MODULE may change the list, judged by the opener's and the
# writer's credentials; the file is 0600.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_a: pl_b\n'
check "the file is mode 0600" [ "$(stat -c %a $DEPS)" = 600 ]
refuse "nobody cannot open it for writing" su nobody -s /bin/sh -c "echo 'x: y' > $DEPS"
exec 3>$DEPS
echo 'pl_a: pl_b' >&3
refuse "nobody cannot write through root's fd" su nobody -s /bin/sh -c "echo 'x: y' >&3"
exec 3>&-
check "the list has only root's line" deps_are 'pl_a: pl_b'
check "nobody can read the stats" su nobody -s /bin/sh -c "cat $STATS"
finish
