# preloadctl doctor prints one line per finding, error:, warning: or ok:,
# with the command that fixes it, and exits 11 on errors, 10 on warnings
# only. The guest has no /boot/config, systemd or EFI: doctor says it
# cannot tell (the kernel's config: a warning) and goes on.
. "$(dirname "$0")/../../lib.sh"
# The release and preload.ko's path as literals in patterns: Debian's release has a '+'.
release=$(uname -r | sed 's/[.+]/\\&/g')
module=$(ko preload | sed 's/[.+]/\\&/g')
check "with nothing configured it finds warnings only" exits 10 preloadctl doctor
check "... it cannot tell the kernel's config" said "^warning: cannot tell whether kernel $release has what preload needs: neither /boot/config-$release nor /proc/config\.gz exists: fix: "
check "... nor whether Secure Boot is on" said '^ok: cannot tell whether Secure Boot is on \(no EFI variable '
check "... it finds preload.ko for the running kernel" said "^ok: kernel $release \(running\) has $module\$"
check "... and the headers abi needs" said "^ok: /lib/modules/$release/build/Module\.symvers exists"
refuse "... and no errors" said '^error:'

printf 'pl_a: pl_b\n' > /etc/preload-modules.conf
check "a list with preload not loaded is an error" exits 11 preloadctl doctor
check "... saying so, with the fix" said '^error: preload is not loaded \(/proc/preload/deps does not exist\), and a list is configured: .*: fix: modprobe preload$'
check "... and no unit applies the list at boot" said '^warning: preloadctl\.service is not enabled .*: fix: systemctl enable preloadctl\.service$'
check "status exits 3" exits 3 preloadctl status
check "... showing the running kernel's preload.ko" said "^kernel +$release \(running\): $module\$"

start_preload
check "with preload loaded (it read the list), warnings only" exits 10 preloadctl doctor
check "... preload is loaded" said '^ok: preload is loaded'
check "... with the config's list" said '^ok: the live list is the config.s \(entries: 1\)$'
set_deps 'pl_c: pl_d\n'
check "a live list other than the config's is a warning" exits 10 preloadctl doctor
check "... showing the difference, with the fix" said '^warning: the live list differs from the config \(-live, \+config\): \+pl_a: pl_b, -pl_c: pl_d: fix: preloadctl apply$'
check "the fix works" exits 0 preloadctl apply
check "... doctor agrees" exits 10 preloadctl doctor
check "... the lists are the same" said '^ok: the live list is the config.s \(entries: 1\)$'

mkdir -p /etc/preload-modules.d
printf 'pl_b pl_c\n' > /etc/preload-modules.d/30-bad.conf
check "a config that does not parse is an error" exits 11 preloadctl doctor
check "... naming file, line and reason" said "^error: /etc/preload-modules\.d/30-bad\.conf:1: missing ':' after the consumer name: fix: "
rm /etc/preload-modules.d/30-bad.conf

printf 'pl_a: pl_b\n' > /etc/preload.conf
check "a list at the old /etc/preload.conf is a warning" exits 10 preloadctl doctor
check "... saying to migrate" said '^warning: an install from before the paths changed: /etc/preload\.conf not moved yet: fix: preloadctl migrate$'
printf '[model]\ncycle = 20\n' > /etc/preload.conf
check "the readahead daemon's /etc/preload.conf is a note" exits 10 preloadctl doctor
check "... saying whose it is" said "^ok: /etc/preload\.conf belongs to Debian's readahead daemon \(package preload\), not used\$"
rm /etc/preload.conf

mv "$(ko preload)" /tmp/preload.ko
check "no preload.ko for the running kernel is an error" exits 11 preloadctl doctor
check "... naming the kernel, with the fix" said "^error: no preload\.ko for kernel $release \(running\): preload cannot load: fix: apt install preload-modules-$release, or "
check "... in JSON too" exits 11 preloadctl doctor --json
check "... one array" said '^\[.*\]$'
check "... of check, severity, message and fix" said '\{"check":"module","fix":"apt install preload-modules-[^"]*","message":"no preload\.ko for kernel [^"]*","severity":"error"\}'
check "status shows it on the kernel's line" exits 0 preloadctl status
check "... no preload.ko" said "^kernel +$release \(running\): no preload\.ko\$"
mv /tmp/preload.ko "$(ko preload)"
check "with preload.ko back: warnings only" exits 10 preloadctl doctor
finish
