#!/bin/sh
# Prints what the fleet test compares after a rollout, on one line: the live
# list, the fleet's list file, which of the bundles' modules (pl_d, pl_dep,
# interposer_v2) are installed, the project's modules loaded with their holders (kernel
# dependency links), the interposers' consumers, and whether a change is
# staged.
moddir=/lib/modules/$(uname -r)/extra
installed() { [ -e "$moddir/$1.ko" ] && echo "$1"; }
printf 'deps=%s|file=%s|installed=%s|loaded=%s|interposers=%s|%s\n' \
    "$(tr '\n' ';' </proc/preload/deps)" \
    "$(tr '\n' ';' </etc/preload-modules.d/50-fleet.conf 2>/dev/null)" \
    "$(echo $(installed pl_d) $(installed pl_dep) $(installed interposer_v2))" \
    "$(for m in $(awk '$1 ~ /^(pl_|interposer)/ { print $1 }' /proc/modules | sort); do
           printf '%s(%s) ' "$m" "$(ls /sys/module/$m/holders | tr '\n' ',' | sed 's/,$//')"; done)" \
    "$(awk '{ print $1, $2, $3 }' /proc/preload/interposers | tr '\n' ';')" \
    "$([ -e /var/lib/preloadctl/staged ] && echo staged || echo not-staged)"
