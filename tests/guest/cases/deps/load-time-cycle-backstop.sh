# A load-time cycle modules.dep does not show (pl_loop_y's dependency is a
# file whose name differs from its module's) is caught when the nested load
# of pl_loop_x meets the outer one waiting for pl_loop_y: fails, no hang.
. "$(dirname "$0")/../../lib.sh"
cp "$(ko pl_loop_x)" "$MODDIR/renamed_x.ko"
sed -i 's|^\(extra/pl_loop_y.ko:\).*|\1 extra/renamed_x.ko|' "$MODDIR/../modules.dep"
check "modules.dep now hides the module name" grep -q '^extra/pl_loop_y.ko: extra/renamed_x.ko$' "$MODDIR/../modules.dep"
start_preload
set_deps 'pl_loop_x: pl_loop_y\n'
cp "$(ko pl_loop_x)" /tmp/pl_loop_x.ko
refuse "insmod pl_loop_x fails" timeout 60 insmod /tmp/pl_loop_x.ko
check "the nested load names the cycle" log_has 'preload: dependency cycle while loading: pl_loop_x -> pl_loop_y -> pl_loop_x'
check "the outer load names its missing dependency" log_has 'preload: pl_loop_x: required dependency pl_loop_y could not be loaded'
check "nothing is left loaded" sh -c "! grep -q pl_loop /proc/modules"
finish
