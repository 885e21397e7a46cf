# preloadctl abi snapshot records, on the running kernel, the symbols the
# sample interposer redefines and a listed consumer imports, and abi check
# of the running kernel against itself reports nothing.
. "$(dirname "$0")/../../lib.sh"
release=$(uname -r)
record=/var/lib/preloadctl/abi/$release.json
start_preload
set_deps 'pl_caller_a: interposer\n'
check "the consumer loads with its interposer" insmod "$(ko pl_caller_a)"
check "the kernel's Module.symvers is in build/" [ -f "/lib/modules/$release/build/Module.symvers" ]
check "abi snapshot exits 0" exits 0 preloadctl abi snapshot
check "... and lists the interposer's redefined symbols" said '^interposer +interposer +sample_lib_step +sample_lib +yes'
check "... and the consumer's imports" said '^pl_caller_a +consumer +sample_lib_compute +sample_lib +yes'
if [ "$PRELOAD_KERNEL" = debian ]; then
    check "... with their BTF types" said '^interposer +interposer +_printk +vmlinux +no +- +- +int \(const char \*, \.\.\.\)$'
else
    check "... without types: no BTF" said 'no BTF: /sys/kernel/btf/vmlinux does not exist'
fi
check "the record exists" [ -s "$record" ]
check "it names the interposer and the consumer" grep -q '"name": "pl_caller_a"' "$record"
for symbol in _printk sample_lib_compute sample_lib_step; do
    check "it has $symbol" grep -q "\"name\": \"$symbol\"" "$record"
done
check "abi check against the running kernel exits 0" exits 0 preloadctl abi check --kernel "$release"
check "... and reports no changes" said '^no changes$'
check "... verdict ok" said '^verdict: ok \(0 breaking, 0 warnings, 0 info'
finish
