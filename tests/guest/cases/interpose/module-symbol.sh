# Symbols exported by another module (sample_lib) are interposed for the
# listing consumer only; a second caller keeps sample_lib's definitions.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_a: interposer\n'
check "insmod the listing consumer" insmod "$(ko pl_caller_a)"
check "insmod the other caller" insmod "$(ko pl_caller_b)"
check "listing consumer: interposed compute" param_is pl_caller_a compute 1042
check "listing consumer: interposed step" param_is pl_caller_a step 101
check "other caller: sample_lib's compute" param_is pl_caller_b compute 42
check "other caller: sample_lib's step" param_is pl_caller_b step 2
check "the loader still linked the listing consumer to sample_lib" used_by sample_lib pl_caller_a
check "and the other caller" used_by sample_lib pl_caller_b
finish
