#!/bin/sh
# Stops the consumers' callers and prints, on one line, whether every call
# made through the interposers was counted: the calls the serving interposer
# holds (each version hands its count to its successor) against the calls
# the threads started plus the reader's, and the threads' own tallies.
touch /root/stop-reader
n=0
while [ ! -e /root/reader-stopped ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
echo 1 >/sys/module/pl_caller_threads/parameters/stop
p() { cat "/sys/module/$1/parameters/$2" 2>/dev/null || echo 0; }
reads=$(wc -l </root/reads)
good_reads=$(grep -cxE '1042|2042' /root/reads)
started=$(p pl_caller_threads started)
answered=$(($(p pl_caller_threads v1) + $(p pl_caller_threads v2)))
counted=$(($(p interposer calls) + $(p interposer_v2 calls)))
echo "reads=$reads good_reads=$good_reads started=$started answered=$answered bad=$(p pl_caller_threads bad)" \
     "counted=$counted switches=$(p pl_caller_threads switches)"
