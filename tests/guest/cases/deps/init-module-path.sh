# The hook fires for init_module() too. busybox's insmod (called by name: the
# guest's insmod is kmod's) hands a compressed module to init_module() after
# finit_module() refuses it, and the kernel log shows both.
. "$(dirname "$0")/../../lib.sh"
start_preload
set_deps 'pl_c: pl_d\n'
cp "$(ko pl_c)" /tmp/pl_c.ko && gzip /tmp/pl_c.ko
check "insmod pl_c.ko.gz succeeds" busybox insmod /tmp/pl_c.ko.gz
check "finit_module() refused the compressed file first" log_has 'Invalid ELF header magic'
check "pl_d was loaded first and linked" holder pl_d pl_c
check "pl_d initialised before pl_c" log_order 'pl_d: init' 'pl_c: init'
finish
