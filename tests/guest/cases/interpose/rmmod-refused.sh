# The consumer -> interposer link is a real kernel dependency: lsmod shows
# it, sysfs has the holder, and rmmod interposer is refused while bound.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_a: interposer\n'
check "insmod the consumer" insmod "$(ko pl_caller_a)"
check "lsmod: interposer used by pl_caller_a" used_by interposer pl_caller_a
check "sysfs holder" holder interposer pl_caller_a
refuse "rmmod interposer is refused while bound" rmmod interposer
check "it is still loaded" loaded interposer
check "unload the consumer" rmmod pl_caller_a
check "now rmmod interposer works" rmmod interposer
check "and sample_lib can go too" rmmod sample_lib
finish
