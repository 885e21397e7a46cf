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
# With MODVERSIONS, the CRC Module.symvers gives; otherwise none.
crc=-
if flavor_has_crcs; then
    crc=$(awk '$2 == "_printk" { print $1 }' "/lib/modules/$release/build/Module.symvers")
    check "Module.symvers has _printk's CRC" [ "${crc:-0x00000000}" != 0x00000000 ]
fi
if flavor_has_btf; then
    check "the snapshot shows _printk with its BTF type" said "^interposer +interposer +_printk +vmlinux +no +- +$crc +int \(const char \*, \.\.\.\)$"
else
    check "... without types: no BTF" said 'no BTF: /sys/kernel/btf/vmlinux does not exist'
fi
check "the record exists" [ -s "$record" ]
check "it names the interposer and the consumer" grep -q '"name": "pl_caller_a"' "$record"
for symbol in _printk sample_lib_compute sample_lib_step; do
    check "it has $symbol" grep -q "\"name\": \"$symbol\"" "$record"
done
if flavor_has_crcs; then
    check "it records _printk's CRC" grep -q "\"crc\": \"$crc\"" "$record"
fi
check "abi check against the running kernel exits 0" exits 0 preloadctl abi check --kernel "$release"
check "... and reports no changes" said '^no changes$'
check "... verdict ok" said '^verdict: ok \(0 breaking, 0 warnings, 0 info'
finish
