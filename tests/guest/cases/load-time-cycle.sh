# A cycle the list cannot see (pl_loop_y needs pl_loop_x's symbol, and the
# list makes pl_loop_x need pl_loop_y) fails fast instead of hanging.
. "$(dirname "$0")/../lib.sh"
start_preload
set_deps 'pl_loop_x: pl_loop_y\n'
cp "$(ko pl_loop_x)" /tmp/pl_loop_x.ko
refuse "insmod pl_loop_x fails" timeout 60 insmod /tmp/pl_loop_x.ko
check "the cycle is named" log_has 'preload: dependency cycle while loading: pl_loop_x -> pl_loop_y -> pl_loop_x'
check "the outer load names its missing dependency" log_has 'preload: pl_loop_x: required dependency pl_loop_y could not be loaded'
check "nothing is left loaded" sh -c "! grep -q pl_loop /proc/modules"
finish
