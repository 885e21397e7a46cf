# After a swap, preload drops only the links it made to the old version:
# pl_caller_old_export uses pl_old_interposer's export as well as the symbol
# it redefines, so the loader linked it to pl_old_interposer itself; once
# the swap to the sample is over and the old version is quiesced, that link
# stays and rmmod pl_old_interposer is refused while the consumer can call
# its export. pl_caller_live, which only listed it, is unlinked from it.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_old_export: pl_old_interposer\npl_caller_live: pl_old_interposer\n'
check "a consumer of pl_old_interposer's export loads" modprobe pl_caller_old_export
check "... its calls: compute from 0.9, and the export" sh -c '[ "$(cat /sys/module/pl_caller_old_export/parameters/call)" = "542 9" ]'
check "a consumer that only lists it loads" modprobe pl_caller_live
check "the sample (1.0) loads" modprobe interposer
check "swap pl_old_interposer -> interposer" sh -c "printf 'pl_old_interposer interposer\n' > /proc/preload/swap"
check "... pl_old_interposer is quiesced" grep -q '^pl_old_interposer .* state=quiesced' $INTERPOSERS
check "the consumers' calls go to 1.0, the export to the old module" \
    sh -c '[ "$(cat /sys/module/pl_caller_old_export/parameters/call)" = "1042 9" ]'
check "the loader's link stays: pl_old_interposer used by pl_caller_old_export" used_by pl_old_interposer pl_caller_old_export
check "... with its holder" holder pl_old_interposer pl_caller_old_export
check "preload's own link is gone: pl_caller_live no longer holds it" sh -c '! [ -e /sys/module/pl_old_interposer/holders/pl_caller_live ]'
refuse "rmmod pl_old_interposer is refused while its export can be called" rmmod pl_old_interposer
check "... still loaded" loaded pl_old_interposer
check "the export still answers" sh -c '[ "$(cat /sys/module/pl_caller_old_export/parameters/call)" = "1042 9" ]'
check "unload the consumers, then the old version goes" rmmod pl_caller_old_export pl_caller_live pl_old_interposer
check "everything else unloads" rmmod interposer sample_lib
finish
