# On an IBT kernel, preload refuses an interposer if a function it would
# call through a pointer lost its ENDBR at load (the loader seals the ENDBR
# of every function whose address nothing in the module takes): the call
# would fault on an IBT CPU. pl_sealed_handler defines preload_start()
# without PRELOAD_HANDLER(). The sample interposers, whose handlers and
# replacements are address-taken, load. Without IBT nothing is sealed and
# the fixture loads.
. "$(dirname "$0")/../../lib.sh"
start_preload
if grep -qw ibt_save /proc/kallsyms; then
    refuse "pl_sealed_handler is refused at its load" modprobe pl_sealed_handler
    check "... naming the sealed handler" \
        log_has 'pl_sealed_handler: cannot be an interposer: preload_start has no ENDBR \(sealed at load'
    check "... and preload does not list it" sh -c "! grep -q '^pl_sealed_handler ' $INTERPOSERS"
else
    echo "  # not an IBT kernel: nothing is sealed"
    check "pl_sealed_handler loads" modprobe pl_sealed_handler
    check "... its start handler is callable, and ran" grep -q '^pl_sealed_handler .* state=started handlers=start$' $INTERPOSERS
    rmmod pl_sealed_handler
fi
check "interposer_v2, which declares four handlers, loads and starts" modprobe interposer_v2
check "... started by its handler" log_has 'interposer_v2: started: serving'
check "the sample loads" modprobe interposer
check "everything unloads" sh -c 'rmmod interposer && echo "quiesce interposer_v2" > /proc/preload/lifecycle && rmmod interposer_v2 sample_lib'
finish
