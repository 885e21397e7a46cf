# A cycle in a written list is refused by the write, naming it; the old list
# stays.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_a: pl_b\n'
refuse "writing a 3-cycle fails" set_deps 'pl_x: pl_y\npl_y: pl_z\npl_z: pl_x\n'
check "the log names the cycle" log_has 'preload: /proc/preload/deps: dependency cycle: pl_[xyz] -> pl_[xyz] -> pl_[xyz] -> pl_[xyz]'
refuse "writing a self-dependency fails" set_deps 'pl_a: pl-a\n'
check "the log says why" log_has 'line 1: .*depends on itself'
check "the old list is unchanged" deps_are 'pl_a: pl_b'
# A write that closes a cycle with lines of earlier writes of the same open.
exec 3>$DEPS
check "a first write of 'pl_x: pl_y / pl_y: pl_z' passes" sh -c "printf 'pl_x: pl_y\npl_y: pl_z\n' >&3"
refuse "the second write, 'pl_z: pl_x', fails" sh -c "printf 'pl_z: pl_x\n' >&3"
exec 3>&-
check "the log names that cycle" log_has 'dependency cycle: pl_z -> pl_x -> pl_y -> pl_z'
check "the old list is still unchanged" deps_are 'pl_a: pl_b'
finish
