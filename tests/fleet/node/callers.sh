#!/bin/sh
# Starts the calls through interposer that a live swap must not lose: 2
# kernel threads of pl_caller_threads that never sleep (loaded now, bound to
# interposer by the list) and a user-space reader of pl_caller_live in the
# background, until calls.sh stops them.
set -e
modprobe pl_caller_threads threads=2 mode=yield
setsid sh -c 'while [ ! -e /root/stop-reader ]; do cat /sys/module/pl_caller_live/parameters/compute; done \
    >/root/reads 2>&1; touch /root/reader-stopped' </dev/null >/dev/null 2>&1 &
echo "callers: started"
