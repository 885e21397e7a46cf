# A cycle in a written list is refused by the write, naming it; the old list
# stays.
. "$(dirname "$0")/../lib.sh"
start_preload
set_deps 'pl_a: pl_b\n'
refuse "writing a 3-cycle fails" set_deps 'pl_x: pl_y\npl_y: pl_z\npl_z: pl_x\n'
check "the log names the cycle" log_has 'preload: /proc/preload/deps: dependency cycle: pl_[xyz] -> pl_[xyz] -> pl_[xyz] -> pl_[xyz]'
refuse "writing a self-dependency fails" set_deps 'pl_a: pl-a\n'
check "the log says why" log_has 'line 1: .*depends on itself'
check "the old list is unchanged" deps_are 'pl_a: pl_b'
finish
