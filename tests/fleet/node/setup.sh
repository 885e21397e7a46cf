#!/bin/sh
# Sets a fleet node up before the first rollout (run over SSH as root):
# preload loaded with /etc/preload-modules.conf "pl_a: pl_b" and the fleet's
# list file naming interposer for the consumers pl_caller_live and
# pl_caller_threads (callers.sh starts them calling); pl_a (with pl_b), pl_c
# and pl_caller_live (with interposer) loaded; the fleet's signing key
# trusted. pl_d, pl_dep and interposer_v2, which the bundles bring, are
# taken out of the installed modules.
set -e
moddir=/lib/modules/$(uname -r)/extra
insmod "$moddir/preload.ko"
mkdir -p /etc/preload-modules.d /etc/preloadctl/trusted.d /root/held /root/incoming
cp /extra/trusted /etc/preloadctl/trusted.d/fleet
echo 'pl_a: pl_b' >/etc/preload-modules.conf
printf 'pl_caller_threads: interposer\npl_caller_live: interposer\n' >/etc/preload-modules.d/50-fleet.conf
mv "$moddir/pl_d.ko" "$moddir/pl_dep.ko" "$moddir/interposer_v2.ko" /root/held/
depmod
preloadctl apply >/dev/null
modprobe pl_a
modprobe pl_c
modprobe pl_caller_live
echo "setup: done"
