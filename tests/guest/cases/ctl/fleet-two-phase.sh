# The two-phase apply on the real kernel: a bundle, signed with a key the
# machine trusts, brings a new module (pl_d, taken out of the installed
# modules first) and a list file. A veto hook, a tampered module, a manifest
# edited after signing, an unsigned bundle and a commit that fails (depmod,
# once) change nothing; then prepare and commit install it, modprobe loads
# pl_c with pl_d first; rollback takes it all back.
. "$(dirname "$0")/../../lib.sh"
start_preload
mkdir -p /etc/preload-modules.d /etc/preloadctl/veto.d
printf 'pl_a: pl_b\n' > /etc/preload-modules.conf
check "the config applies" preloadctl apply
mv "$(ko pl_d)" /tmp/pl_d.ko && depmod
mkdir -p /etc/preloadctl/trusted.d
ssh-keygen -q -t ed25519 -N '' -f /tmp/fleet-key
echo "fleet@test namespaces=\"preload-bundle\" $(cat /tmp/fleet-key.pub)" > /etc/preloadctl/trusted.d/fleet
# make_bundle DIR: pl_d.ko and 50-fleet.conf with their hashes, signed.
make_bundle() {
    mkdir -p "$1/modules" "$1/lists"
    cp /tmp/pl_d.ko "$1/modules/pl_d.ko"
    printf 'pl_c: pl_d\n' > "$1/lists/50-fleet.conf"
    printf '{"format":"preload-bundle","version":1,"name":"b1",
 "lists":[{"file":"lists/50-fleet.conf","sha256":"%s"}],
 "modules":[{"name":"pl_d","file":"modules/pl_d.ko","sha256":"%s","version":"2"}]}\n' \
        "$(sha256sum "$1/lists/50-fleet.conf" | cut -d' ' -f1)" \
        "$(sha256sum "$1/modules/pl_d.ko" | cut -d' ' -f1)" > "$1/manifest.json"
    ssh-keygen -q -Y sign -n preload-bundle -f /tmp/fleet-key "$1/manifest.json"
}
unchanged() {
    [ ! -e "$(ko pl_d)" ] && [ ! -e /etc/preload-modules.d/50-fleet.conf ] && deps_are 'pl_a: pl_b'
}
make_bundle /tmp/b1

printf '#!/bin/sh\necho "maintenance window closed" >&2\nexit 1\n' > /etc/preloadctl/veto.d/50-window
chmod +x /etc/preloadctl/veto.d/50-window
check "a veto hook: prepare exits 7" exits 7 preloadctl prepare /tmp/b1
check "... naming the hook and its reason" said '^veto: hook: .*50-window said no .*maintenance window closed'
check "... and nothing changed" unchanged
rm /etc/preloadctl/veto.d/50-window

make_bundle /tmp/b2
printf 'x' >> /tmp/b2/modules/pl_d.ko
check "a tampered module: prepare exits 7" exits 7 preloadctl prepare /tmp/b2
check "... saying hash-mismatch" said '^veto: hash-mismatch: modules/pl_d.ko: sha256 is'
check "... and nothing changed" unchanged

make_bundle /tmp/b3
sed -i 's/"version":"2"/"version":"3"/' /tmp/b3/manifest.json
check "a manifest edited after signing: prepare exits 7" exits 7 preloadctl prepare /tmp/b3
check "... saying bad-signature" said '^veto: bad-signature: manifest.json does not match manifest.json.sig'
rm /tmp/b3/manifest.json.sig
check "an unsigned bundle: prepare exits 7" exits 7 preloadctl prepare /tmp/b3
check "... saying it has no signature" said '^veto: bad-signature: the bundle has no manifest.json.sig'
check "... and nothing changed" unchanged

check "prepare stages the bundle" exits 0 preloadctl prepare /tmp/b1
check "... saying who signed it" said '^signed by fleet@test$'
check "... changing nothing live" unchanged
# depmod fails once, in the commit; the commit's own rollback runs it again.
printf '#!/bin/sh\n[ -e /tmp/depmod.failed ] && exec depmod "$@"\ntouch /tmp/depmod.failed\nexit 1\n' > /tmp/depmod-once
chmod +x /tmp/depmod-once
check "a commit whose depmod fails" exits 5 env PRELOADCTL_DEPMOD=/tmp/depmod-once preloadctl commit
check "... rolls itself back" said 'rolled back: the previous modules, list files and list are in place again'
check "... leaving nothing changed" unchanged

check "prepare again" exits 0 preloadctl prepare /tmp/b1
check "commit succeeds" exits 0 preloadctl commit
check "pl_d.ko is installed" [ -e "$(ko pl_d)" ]
check "the list is the config with the bundle's file" deps_are 'pl_a: pl_b\npl_c: pl_d'
check "modprobe pl_c loads the new pl_d first and links it" sh -c 'modprobe pl_c && [ -e /sys/module/pl_d/holders/pl_c ]'
check "pl_c and pl_d unload" rmmod pl_c pl_d
check "rollback succeeds" exits 0 preloadctl rollback
check "... and everything is as before the commit" unchanged
refuse "modprobe pl_d fails: it is gone again" modprobe pl_d
finish
