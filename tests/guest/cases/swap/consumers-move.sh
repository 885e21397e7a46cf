# qemu-tcg: single-thread
# A swappable interposer's consumers move to its version 2 while they stay
# loaded and keep calling: from then on their calls, and those of consumers
# that load later, go to version 2; version 1 is quiesced, unlinked from
# them, and may unload. Swaps that are not allowed are refused, saying why,
# and change nothing; swapping back to version 1 needs force, and version 1
# started again. interpose-lifecycle has the sleeping call and the rest of
# the lifecycle.
. "$(dirname "$0")/../../lib.sh"
SWAP=/proc/preload/swap
swap() { printf '%s\n' "$*" > $SWAP; }
start_preload
set_deps 'pl_caller_live: interposer\npl_caller_b: interposer\npl_caller_slow: interposer\n'
check "a consumer of interposer 1.0 loads" insmod "$(ko pl_caller_live)"
check "... and its calls go to interposer 1.0" param_is pl_caller_live compute 1042
check "interposer: swappable, version 1.0" grep -Eq '^interposer bound=1 consumers=pl_caller_live .* version=1.0 swap=yes state=started ' $INTERPOSERS
check "interposer_v2 loads" modprobe interposer_v2
check "... swappable, version 2.0, no consumers" grep -Eq '^interposer_v2 bound=0 .* version=2.0 swap=yes state=started ' $INTERPOSERS
modprobe pl_plain
refuse "a swap to a module that is not an interposer is refused" swap interposer pl_plain
check "... saying so" log_has 'swap interposer -> pl_plain refused: pl_plain is not a loaded interposer'
refuse "a swap to an older version is refused" swap interposer_v2 interposer
check "... saying so" log_has "swap interposer_v2 -> interposer refused: interposer's version 1.0 is not newer than interposer_v2's 2.0"
refuse "a malformed request is refused" swap interposer
insmod "$(ko pl_caller_slow)" &
sleep 1
refuse "a swap while a consumer is still loading is refused" swap interposer interposer_v2
check "... saying which and to try again" log_has 'swap interposer -> interposer_v2 refused: pl_caller_slow is loading or unloading; try again'
wait
check "... that consumer then loads, bound to interposer 1.0" log_has '\[interposer\] pl_caller_slow: compute=1042'
check "nothing changed" param_is pl_caller_live compute 1042

check "preloadctl swap refuses an older version, exit status 9" exits 9 preloadctl swap interposer_v2 interposer
check "... saying why" said "interposer's version 1.0 is not newer than interposer_v2's 2.0 \(--force swaps anyway\)"
check "preloadctl swap interposer interposer_v2 succeeds" exits 0 preloadctl swap interposer interposer_v2
check "... naming the consumers interposer_v2 now serves" said '^swapped interposer for interposer_v2; interposer_v2 now serves pl_caller_live, pl_caller_slow$'
check "... that interposer is quiesced and may be unloaded" said '^interposer is quiesced: no call is left in it, and it may be unloaded \(rmmod interposer\)'
check "... logged" log_has 'swapped interposer for interposer_v2: 2 consumer\(s\), 4 slot\(s\) retargeted; interposer is quiescing'
check "... and interposer quiesced" log_has 'interposer: quiesced: no call is left in it; 2 former consumer\(s\) unlinked'
check "the running consumer's calls go to version 2 now" param_is pl_caller_live compute 2042
cat /sys/module/pl_caller_live/parameters/say >/dev/null
check "... its messages get version 2's tag" log_has '\[interposer v2\] pl_caller_live: hello'
check "interposer_v2 serves it" grep -Eq '^interposer_v2 bound=2 consumers=pl_caller_live,pl_caller_slow ' $INTERPOSERS
check "interposer is retired and quiesced" grep -Eq '^interposer bound=0 .* swap=retired:interposer_v2 state=quiesced ' $INTERPOSERS
check "preloadctl status --json shows it" exits 0 preloadctl status --json
check "... retired, with its version" said '"name":"interposer","state":"[a-z]*","swap":"retired:interposer_v2","symbols":\[[^]]*\],"version":"1.0"'
check "the consumer is linked to interposer_v2" holder interposer_v2 pl_caller_live
check "... and no longer to interposer" sh -c '! [ -e /sys/module/interposer/holders/pl_caller_live ]'
check "a consumer that lists interposer and loads now gets version 2" insmod "$(ko pl_caller_b)"
check "... its compute is version 2's" param_is pl_caller_b compute 2042
check "... and it counts as interposer_v2's" bound_is interposer_v2 3
refuse "rmmod interposer_v2 is refused while its consumers are loaded" rmmod interposer_v2
check "interposer unloads: no call is left in it and nothing is linked to it" rmmod interposer
check "a fresh interposer 1.0 loads, to swap back to" modprobe interposer
check "quiesce interposer" sh -c 'printf "quiesce interposer\n" > /proc/preload/lifecycle'
refuse "a swap to a quiesced interposer is refused" swap interposer_v2 interposer force
check "... saying to start it first" log_has 'swap interposer_v2 -> interposer refused: interposer is quiesced; start it first'
check "start interposer" sh -c 'printf "start interposer\n" > /proc/preload/lifecycle'
calls_before=$(param interposer_v2 calls)

# Swapping back and forth while two readers keep calling: every call
# returns one version's result, none fails.
(
    n=0
    while [ $n -lt 300 ]; do cat /sys/module/pl_caller_live/parameters/compute; n=$((n + 1)); done
) >/tmp/calls.1 2>&1 &
(
    n=0
    while [ $n -lt 300 ]; do cat /sys/module/pl_caller_live/parameters/compute; n=$((n + 1)); done
) >/tmp/calls.2 2>&1 &
# Each swap quiesces the version it leaves; it is started again to be
# swapped back to.
start() { printf 'start %s\n' "$1" > /proc/preload/lifecycle; }
swaps=0
i=0
while [ $i -lt 20 ]; do
    swap interposer_v2 interposer force && start interposer_v2 &&
        swap interposer interposer_v2 && start interposer && swaps=$((swaps + 2))
    i=$((i + 1))
done
wait
echo "  # $swaps swaps during $(cat /tmp/calls.1 /tmp/calls.2 | wc -l) calls"
check "40 swaps back and forth succeeded" [ $swaps -eq 40 ]
check "600 calls during them, each returning 1042 or 2042" \
    sh -c '[ "$(cat /tmp/calls.1 /tmp/calls.2 | grep -cxE "1042|2042")" -eq 600 ]'
check "both versions answered" sh -c 'grep -qx 1042 /tmp/calls.1 /tmp/calls.2 && grep -qx 2042 /tmp/calls.1 /tmp/calls.2'
check "the count that moved with every swap is the 600 calls more: none lost or counted twice" \
    [ "$(param interposer_v2 calls)" -eq $((calls_before + 600)) ]
check "... version 1 kept none" param_is interposer calls 0

check "the consumers unload" rmmod pl_caller_live pl_caller_b pl_caller_slow
check "then interposer unloads" rmmod interposer
refuse "interposer_v2, started, does not: it declares a quiesce handler" rmmod interposer_v2
check "quiesced, it does" sh -c 'printf "quiesce interposer_v2\n" > /proc/preload/lifecycle && rmmod interposer_v2'
check "sample_lib unloads: no reference left" rmmod sample_lib
finish
