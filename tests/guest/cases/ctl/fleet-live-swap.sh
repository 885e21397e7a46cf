# qemu-tcg: single-thread
# An upgrade by live swap through the two-phase apply: a signed bundle
# brings interposer_v2 ("swaps": "interposer", taken out of the installed
# modules first) and a list naming it. Its consumers stay loaded and keep
# calling throughout: 2 kernel threads of pl_caller_threads that never sleep
# and a user-space reader through pl_caller_live. A commit that cannot load
# interposer_v2 undoes itself; then commit loads interposer_v2, moves the
# consumers to it, points the list at it and unloads interposer; rollback
# swaps back the same way. No call is lost: the count handed across both
# swaps is every call made.
. "$(dirname "$0")/../../lib.sh"
start_preload
mkdir -p /etc/preload-modules.d /etc/preloadctl/trusted.d
echo '# the fleet list is in preload-modules.d' > /etc/preload-modules.conf
printf 'pl_caller_threads: interposer\npl_caller_live: interposer\n' > /etc/preload-modules.d/50-fleet.conf
check "the config applies" preloadctl apply
check "... the live list naming interposer" deps_are 'pl_caller_live: interposer\npl_caller_threads: interposer'
mv "$(ko interposer_v2)" /tmp/interposer_v2.ko && depmod
ssh-keygen -q -t ed25519 -N '' -f /tmp/fleet-key
echo "fleet@test namespaces=\"preload-bundle\" $(cat /tmp/fleet-key.pub)" > /etc/preloadctl/trusted.d/fleet
mkdir -p /tmp/b1/modules /tmp/b1/lists
cp /tmp/interposer_v2.ko /tmp/b1/modules/
printf 'pl_caller_threads: interposer_v2\npl_caller_live: interposer_v2\n' > /tmp/b1/lists/50-fleet.conf
printf '{"format":"preload-bundle","version":1,"name":"b1",
 "lists":[{"file":"lists/50-fleet.conf","sha256":"%s"}],
 "modules":[{"name":"interposer_v2","file":"modules/interposer_v2.ko","sha256":"%s","version":"2.0",
             "swaps":"interposer"}]}\n' \
    "$(sha256sum /tmp/b1/lists/50-fleet.conf | cut -d' ' -f1)" \
    "$(sha256sum /tmp/b1/modules/interposer_v2.ko | cut -d' ' -f1)" > /tmp/b1/manifest.json
ssh-keygen -q -Y sign -n preload-bundle -f /tmp/fleet-key /tmp/b1/manifest.json

check "a consumer that user space calls through loads, with interposer" insmod "$(ko pl_caller_live)"
check "2 threads that never sleep call through interposer" insmod "$(ko pl_caller_threads)" threads=2 mode=yield
rm -f /tmp/rollout.done
(while [ ! -e /tmp/rollout.done ]; do param pl_caller_live compute; done) >/tmp/reads 2>&1 &

check "prepare stages the bundle" exits 0 preloadctl prepare /tmp/b1
check "... to swap interposer for interposer_v2 at commit, its consumers staying loaded" \
    said '^swap at commit: interposer -> interposer_v2 \(live: its consumers stay loaded\)$'
check "a commit whose modprobe of interposer_v2 fails" exits 9 env PRELOADCTL_MODPROBE=/bin/false preloadctl commit
check "... rolls itself back" said 'rolled back: the previous modules, list files and list are in place again'
check "... leaving interposer serving both consumers" \
    grep -Eq '^interposer bound=2 consumers=pl_caller_live,pl_caller_threads ' $INTERPOSERS
check "... interposer_v2 neither loaded nor installed" sh -c "! grep -q '^interposer_v2 ' /proc/modules && [ ! -e $(ko interposer_v2) ]"
check "... and the list as it was" deps_are 'pl_caller_live: interposer\npl_caller_threads: interposer'
check "prepare again" exits 0 preloadctl prepare /tmp/b1
check "commit succeeds" exits 0 preloadctl commit
check "interposer_v2 now serves both consumers" \
    grep -Eq '^interposer_v2 bound=2 consumers=pl_caller_live,pl_caller_threads ' $INTERPOSERS
check "interposer is unloaded" not_loaded interposer
check "the live list names interposer_v2" \
    deps_are 'pl_caller_live: interposer_v2\npl_caller_threads: interposer_v2'
check "the consumer's calls go to version 2" param_is pl_caller_live compute 2042
check "pl_caller_live stayed loaded" loaded pl_caller_live
check "pl_caller_threads stayed loaded" loaded pl_caller_threads

check "rollback succeeds" exits 0 preloadctl rollback
check "... saying what it undid" said '^rolled back b1: '
check "interposer serves both consumers again" \
    grep -Eq '^interposer bound=2 consumers=pl_caller_live,pl_caller_threads ' $INTERPOSERS
check "interposer_v2 is unloaded" not_loaded interposer_v2
check "... and no longer installed" [ ! -e "$(ko interposer_v2)" ]
check "the live list names interposer again" \
    deps_are 'pl_caller_live: interposer\npl_caller_threads: interposer'
check "the consumer's calls go to version 1" param_is pl_caller_live compute 1042
check "pl_caller_live stayed loaded" loaded pl_caller_live
check "pl_caller_threads stayed loaded" loaded pl_caller_threads

touch /tmp/rollout.done
wait
check "the threads stop" sh -c 'echo 1 > /sys/module/pl_caller_threads/parameters/stop'
busy_caller_checks pl_caller_threads
reads=$(wc -l < /tmp/reads)
check "the reader called" [ "$reads" -gt 0 ]
check "every reader call returned 1042 or 2042" [ "$(grep -cxE '1042|2042' /tmp/reads)" -eq "$reads" ]
# The two checks of which version answers called once each.
check "the count handed across both swaps is every call made, none lost or counted twice" \
    [ "$(param interposer calls)" -eq $((started + reads + 2)) ]
check "everything unloads" rmmod pl_caller_threads pl_caller_live interposer sample_lib
finish
