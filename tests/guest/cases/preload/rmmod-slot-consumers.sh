# A consumer of a swappable interposer calls preload's own code, the swap
# slot's trampoline, so it depends on preload like on any module it calls:
# lsmod shows preload used by it, and rmmod preload and preloadctl restart
# are refused, naming it, while its threads call through the slot; its
# calls go on being answered. Once it is unloaded, preload unloads.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_caller_threads: interposer\n'
check "a consumer with 4 calling threads loads, bound to the sample's slots" modprobe pl_caller_threads
check "lsmod: preload used by pl_caller_threads" used_by preload pl_caller_threads
check "sysfs: /sys/module/preload/holders/pl_caller_threads" holder preload pl_caller_threads
before=$(param pl_caller_threads started)
refuse "rmmod preload is refused while it calls through a slot" rmmod preload
check "... preload is still loaded" loaded preload
check "preloadctl restart is refused with exit status 9" exits 9 preloadctl restart
check "... naming the consumer" said 'refusing to restart: preload is in use by pl_caller_threads'
sleep 1
check "its threads' calls go on, answered by the sample" \
    sh -c "[ \$(cat /sys/module/pl_caller_threads/parameters/started) -gt $before ]"
check "the threads stop" sh -c 'echo 1 > /sys/module/pl_caller_threads/parameters/stop'
check "no call returned anything but the sample's result" param_is pl_caller_threads bad 0
check "unload the consumer" rmmod pl_caller_threads
check "now rmmod preload works" rmmod preload
check "the sample and its library unload" rmmod interposer sample_lib
finish
