# qemu-tcg: single-thread
# preloadctl swap --timeout MS returns when MS ms have passed, even while a
# call still sleeps inside the old interposer: it exits 8 and says the old
# one is still quiescing and how to finish it; rmmod of it is refused until
# `preloadctl quiesce` finishes it, after the call has returned. A bad
# --timeout is a usage error (exit 2) that changes nothing.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_sleepy: interposer\n'
check "a consumer of the sample loads" modprobe pl_caller_sleepy
check "interposer_v2 loads" modprobe interposer_v2
cat $INTERPOSERS > /tmp/interposers.before
check "--timeout abc is a usage error, exit status 2" exits 2 preloadctl swap interposer interposer_v2 --timeout abc
check "... naming the option" said "invalid value 'abc' for '--timeout <MS>'"
check "--timeout 0 is one too" exits 2 preloadctl swap interposer interposer_v2 --timeout 0
check "... and they changed nothing" sh -c "[ \"\$(cat $INTERPOSERS)\" = \"\$(cat /tmp/interposers.before)\" ]"
refuse "... and swapped nothing (none logged)" log_has 'swapped interposer for interposer_v2'

cat /sys/module/pl_caller_sleepy/parameters/wait > /tmp/sleeper.out &
sleeper=$!
sleep 1
check "swap --timeout 300 returns with the call still inside: exit status 8" \
    exits 8 preloadctl swap interposer interposer_v2 --timeout 300
check "... naming the consumer interposer_v2 now serves" said '^swapped interposer for interposer_v2; interposer_v2 now serves pl_caller_sleepy$'
check "... saying interposer is still quiescing and how to finish it" \
    said "^interposer is still quiescing \(a call is still inside it\): run 'preloadctl quiesce interposer' \(or echo 'quiesce interposer' > /proc/preload/lifecycle\) to finish"
check "... while the call still sleeps" kill -0 $sleeper
check "interposer is quiescing" grep -q '^interposer .* state=quiescing' $INTERPOSERS
check "... retired to interposer_v2, which serves the consumer" \
    grep -Eq '^interposer_v2 bound=1 consumers=pl_caller_sleepy ' $INTERPOSERS
refuse "rmmod interposer is refused while it is quiescing" rmmod interposer
wait $sleeper
check "the sleeping call was answered by the sample (5000 + 1000)" grep -qx 6000 /tmp/sleeper.out
check "preloadctl quiesce interposer then finishes it" exits 0 preloadctl quiesce interposer
check "... saying so" said '^quiesced interposer$'
check "interposer is quiesced" grep -q '^interposer .* state=quiesced' $INTERPOSERS
check "everything unloads" sh -c 'rmmod pl_caller_sleepy interposer && echo "quiesce interposer_v2" > /proc/preload/lifecycle && rmmod interposer_v2 sample_lib'
finish
