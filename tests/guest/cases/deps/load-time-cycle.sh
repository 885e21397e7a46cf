# A cycle the list cannot see (pl_loop_y needs pl_loop_x's symbol, and the
# list makes pl_loop_x need pl_loop_y) fails fast, seen in modules.dep before
# modprobe starts, even when insmod uses the very file modprobe would load.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_loop_x: pl_loop_y\n'
refuse "insmod pl_loop_x fails" timeout 60 insmod "$(ko pl_loop_x)"
check "the cycle is named" log_has 'preload: pl_loop_x: required dependency pl_loop_y could not be loaded \(it would close a dependency cycle, per modules.dep: pl_loop_x -> pl_loop_y -> pl_loop_x\)'
check "it failed fast: no nested load of pl_loop_x happened" sh -c "! dmesg | grep -q 'dependency cycle while loading'"
check "nothing is left loaded" sh -c "! grep -q pl_loop /proc/modules"
set_deps 'pl_loop_x: ?pl_loop_y\n'
check "as an optional dependency, the cycle is skipped and pl_loop_x loads" timeout 60 insmod "$(ko pl_loop_x)"
check "with a warning" log_has 'preload: pl_loop_x: optional dependency pl_loop_y could not be loaded \(it would close'
finish
