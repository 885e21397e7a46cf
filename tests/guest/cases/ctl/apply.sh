# preloadctl apply merges /etc/preload-modules.conf and
# /etc/preload-modules.d/*.conf (in lexical order), writes the list in one
# update and reads it back; a config that does not check, or a user without
# CAP_SYS_MODULE, changes nothing; with no list configured and preload not
# loaded there is nothing to apply.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_d: pl_plain\n'
mkdir -p /etc/preload-modules.d
printf 'pl_a: pl_b\n' > /etc/preload-modules.conf
printf 'pl-a: pl_c\n' > /etc/preload-modules.d/20-more.conf
printf 'pl_a: pl_d\npl_c: ?pl_gone\n' > /etc/preload-modules.d/10-first.conf
check "--dry-run shows the difference" exits 0 preloadctl apply --dry-run
check "... line by line" said '^-pl_d: pl_plain$'
check "... added lines too" said '^\+pl_a: pl_b pl_d pl_c$'
check "--dry-run changes nothing" deps_are 'pl_d: pl_plain'
check "apply succeeds" exits 0 preloadctl apply
check "the live list is the merged config, files in lexical order" deps_are 'pl_a: pl_b pl_d pl_c\npl_c: ?pl_gone'
check "the replaced list is history entry 1" [ "$(cat /var/lib/preloadctl/history/1.conf)" = 'pl_d: pl_plain' ]
check "... the applied one entry 2" [ "$(cat /var/lib/preloadctl/history/2.conf)" = "$(cat $DEPS)" ]
check "the applied entries work" insmod "$(ko pl_a)"
check "pl_c was loaded first and linked" holder pl_c pl_a
check "a second apply changes nothing" exits 0 preloadctl apply
check "... and says so" said '^unchanged'
check "... and records nothing" [ ! -e /var/lib/preloadctl/history/3.json ]
printf 'pl_b pl_c\n' > /etc/preload-modules.d/30-bad.conf
check "a bad config exits 1" exits 1 preloadctl apply
check "... naming file and line" said '^/etc/preload-modules.d/30-bad.conf:1: missing'
check "... and the live list is unchanged" deps_are 'pl_a: pl_b pl_d pl_c\npl_c: ?pl_gone'
rm /etc/preload-modules.d/30-bad.conf
printf 'pl_b: pl_plain\n' > /etc/preload-modules.d/40.conf
check "without root it exits 4" exits 4 su nobody -s /bin/sh -c 'preloadctl apply'
check "... saying root or CAP_SYS_MODULE is needed" said 'CAP_SYS_MODULE'
check "... and the live list is unchanged" deps_are 'pl_a: pl_b pl_d pl_c\npl_c: ?pl_gone'
rmmod pl_a pl_b pl_c pl_d preload
check "with preload not loaded it exits 3" exits 3 preloadctl apply
check "... saying so" said 'preload is not loaded'
rm -r /etc/preload-modules.d
printf '# no entries\n' > /etc/preload-modules.conf
check "with no list configured and preload not loaded it exits 0" exits 0 preloadctl apply
check "... saying there is nothing to apply" said '^nothing to apply: no list is configured'
finish
