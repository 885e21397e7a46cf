# A consumer that calls an interposed function through a pointer (it keeps
# sample_lib_step's address in data) is bound to the replacement itself, a
# valid target of an indirect call (an ENDBR preload checked at the
# interposer's load, the original's type), never to a swap slot, which is
# not one. For a swappable interposer that means its pointer cannot follow
# a swap: the swap is refused, naming it, until it is unloaded.
. "$(dirname "$0")/../../lib.sh"
swap() { printf '%s\n' "$*" > /proc/preload/swap; }
start_preload
set_deps 'pl_caller_pointer: pl_bench_interposer\n'
check "bound to a plain interposer, it loads" modprobe pl_caller_pointer
check "... its call through the pointer is interposed (1 + 100)" param_is pl_caller_pointer step 101
check "unload it and the interposer" rmmod pl_caller_pointer pl_bench_interposer
set_deps 'pl_caller_pointer: interposer\n'
check "bound to the swappable sample, it loads" modprobe pl_caller_pointer
check "... to the replacement itself, not to a slot, saying why" \
    log_has "pl_caller_pointer: takes the address of sample_lib_step: bound to interposer's interposer_step itself, not to its swap slot"
check "... its call through the pointer is interposed (1 + 100)" param_is pl_caller_pointer step 101
check "interposer_v2 loads" modprobe interposer_v2
refuse "a swap of the sample is refused while it is loaded" swap interposer interposer_v2
check "... naming it" log_has 'swap interposer -> interposer_v2 refused: pl_caller_pointer takes the address of a function interposer redefines'
check "... and its calls still go to the sample" param_is pl_caller_pointer step 101
check "unload it: the swap is allowed" sh -c 'rmmod pl_caller_pointer && printf "interposer interposer_v2\n" > /proc/preload/swap'
check "everything unloads" sh -c 'rmmod interposer && echo "quiesce interposer_v2" > /proc/preload/lifecycle && rmmod interposer_v2 sample_lib'
finish
