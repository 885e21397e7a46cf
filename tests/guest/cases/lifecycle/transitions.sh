# qemu-tcg: single-thread
# The interposer lifecycle, enforced: a swap retires the old version only once
# no call is left in it, a call sleeping inside its replacement included; its
# state (the count of calls it answered) moves to the new version; the old one
# may then unload while its former consumers stay; illegal transitions are
# refused with a message naming the module, its state and the transition.
. "$(dirname "$0")/../../lib.sh"
LIFECYCLE=/proc/preload/lifecycle
swap() { printf '%s\n' "$*" > /proc/preload/swap; }
lifecycle() { printf '%s\n' "$*" > $LIFECYCLE; }
stage_of() { awk -v n="$1" '$1 == n { for (i = 2; i <= NF; i++) if ($i ~ /^state=/) print substr($i, 7) }' $INTERPOSERS; }
stage_is() { [ "$(stage_of "$1")" = "$2" ]; }
# until_true TRIES CMD...: polls CMD every 0.1 s.
until_true() { n=$1; shift; while ! "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done; }
start_preload
set_deps 'pl_caller_live: interposer\npl_caller_sleepy: interposer\npl_caller_b: interposer\n'
check "two consumers of interposer 1.0 load" insmod "$(ko pl_caller_live)"
check "... both" insmod "$(ko pl_caller_sleepy)"
check "interposer is started and declares export and import" \
    grep -Eq '^interposer bound=2 .* state=started handlers=export,import$' $INTERPOSERS
check "interposer_v2 loads" modprobe interposer_v2
check "... its start handler ran" log_has 'interposer_v2: started: serving'
check "... it is started and declares all four handlers" \
    grep -Eq '^interposer_v2 bound=0 .* state=started handlers=start,quiesce,export,import$' $INTERPOSERS
refuse "start of a started interposer is refused" lifecycle start interposer_v2
check "... naming the module, its state and the transition" log_has 'start interposer_v2 refused: interposer_v2 is started'
refuse "rmmod interposer_v2 is refused while it is started (it declares quiesce: preload holds it)" rmmod interposer_v2
refuse "quiesce of an interposer that serves a consumer is refused" lifecycle quiesce interposer
check "... saying so" log_has 'quiesce interposer refused: interposer is started and serves 2 consumer\(s\)'
refuse "quiesce of a module that is not an interposer is refused" lifecycle quiesce pl_caller_live
check "... saying so" log_has 'quiesce pl_caller_live refused: pl_caller_live is not a loaded interposer'
refuse "an unknown request is refused" lifecycle stop interposer

for i in 1 2 3; do param pl_caller_live compute >/dev/null; done
before=$(param interposer calls)
check "interposer counted its calls" [ "$before" -ge 3 ]

# A call sleeps 5 s inside interposer's replacement of sample_lib_wait while
# the swap runs: interposer is retired only once it has returned.
param pl_caller_sleepy wait > /tmp/wait.out &
sleeper=$!
check "a call is inside interposer's replacement, sleeping" until_true 50 param_is interposer calls $((before + 1))
swap interposer interposer_v2 &
swapper=$!
check "the swap moved the consumers and waits: interposer is quiescing" until_true 50 stage_is interposer quiescing
check "... retired to interposer_v2" grep -Eq '^interposer bound=0 .* swap=retired:interposer_v2 state=quiescing ' $INTERPOSERS
check "new calls go to version 2 already" param_is pl_caller_live compute 2042
refuse "rmmod interposer is refused: the sleeping call is still inside it" rmmod interposer
refuse "start of a quiescing interposer is refused" lifecycle start interposer
check "... saying so" log_has 'start interposer refused: interposer is quiescing'
check "a consumer that lists interposer and loads now binds to version 2 only" insmod "$(ko pl_caller_b)"
check "... its calls return version 2's answers" param_is pl_caller_b compute 2042
check "the swap is still waiting" kill -0 $swapper
wait $sleeper
check "the sleeping call returned version 1's answer" [ "$(cat /tmp/wait.out)" = 6000 ]
check "then the swap completed" wait $swapper
check "interposer is quiesced" grep -Eq '^interposer bound=0 .* swap=retired:interposer_v2 state=quiesced ' $INTERPOSERS
check "... it handed its state to version 2" log_has 'interposer handed 8 byte\(s\) of state to interposer_v2'
check "... every call it answered, the sleeping one included" log_has "interposer_v2: carries on from $((before + 1)) calls"
check "... and kept none" param_is interposer calls 0
check "its former consumers are no longer linked to it" sh -c '! ls /sys/module/interposer/holders | grep -q .'
check "... but to interposer_v2" sh -c 'ls /sys/module/interposer_v2/holders | tr "\n" " " | grep -qx "pl_caller_b pl_caller_live pl_caller_sleepy "'
check "the consumer that loaded during the swap was linked to interposer_v2 in its place" \
    log_has 'pl_caller_b: lists interposer, which was swapped for interposer_v2; depends on interposer_v2'
check "interposer unloads while its former consumers stay" rmmod interposer
check "... and they keep calling version 2" param_is pl_caller_live compute 2042

refuse "quiesce of interposer_v2 is refused while it serves consumers" lifecycle quiesce interposer_v2
check "... saying how many" log_has 'quiesce interposer_v2 refused: interposer_v2 is started and serves 3 consumer\(s\)'
check "the consumers unload" rmmod pl_caller_live pl_caller_sleepy pl_caller_b
check "quiesce interposer_v2" lifecycle quiesce interposer_v2
check "... its quiesce handler ran" log_has 'interposer_v2: quiescing: [0-9]+ calls answered'
check "... it is quiesced" stage_is interposer_v2 quiesced
refuse "quiesce of a quiesced interposer is refused" lifecycle quiesce interposer_v2
check "... saying so" log_has 'quiesce interposer_v2 refused: interposer_v2 is quiesced'
set_deps 'pl_caller_live: interposer_v2\n'
refuse "a consumer cannot bind to a quiesced interposer" insmod "$(ko pl_caller_live)"
check "... saying why" log_has 'pl_caller_live: interposer interposer_v2 is quiesced; refusing to bind pl_caller_live to it \(start it first\)'
check "preloadctl start refuses a module that is not an interposer, exit status 9" exits 9 preloadctl start sample_lib
check "... saying so" said 'start sample_lib refused: sample_lib is not a loaded interposer'
check "preloadctl start interposer_v2 starts it again" exits 0 preloadctl start interposer_v2
check "... saying so" said '^started interposer_v2$'
check "... started" stage_is interposer_v2 started
check "preloadctl status shows it started" exits 0 preloadctl status --json
check "... with its handlers" said '"handlers":\["start","quiesce","export","import"\],"name":"interposer_v2","state":"started"'
check "now the consumer loads, bound to it" insmod "$(ko pl_caller_live)"
check "... its calls return version 2's answers" param_is pl_caller_live compute 2042
check "preloadctl stop refuses while it serves a consumer, exit status 9" exits 9 preloadctl stop interposer_v2
check "... saying which" said 'stop interposer_v2 refused: interposer_v2 serves 1 consumer\(s\): pl_caller_live'
check "the consumer unloads" rmmod pl_caller_live
check "preloadctl stop quiesces interposer_v2 and unloads it" exits 0 preloadctl stop interposer_v2
check "... saying so" said '^stopped interposer_v2: quiesced and unloaded$'
check "... it is gone" not_loaded interposer_v2

# An interposer that declares nothing and keeps no count (C, not swappable).
check "pl_bench_interposer, which declares no handler, loads" modprobe pl_bench_interposer
check "... it is started, with no handlers" grep -Eq '^pl_bench_interposer bound=0 .* swap=no state=started handlers=-$' $INTERPOSERS
check "... it quiesces" lifecycle quiesce pl_bench_interposer
check "... quiesced" stage_is pl_bench_interposer quiesced
check "... and unloads" rmmod pl_bench_interposer
check "sample_lib unloads: no reference left" rmmod sample_lib
finish
