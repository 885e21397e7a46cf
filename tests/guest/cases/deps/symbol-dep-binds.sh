# A consumer that uses a dependency's symbols fails without the entry and
# binds with it, through plain insmod.
. "$(dirname "$0")/../../lib.sh"
start_preload
refuse "without an entry, insmod pl_user fails (unknown symbol)" insmod "$(ko pl_user)"
check "the kernel said why" log_has 'pl_user: Unknown symbol pl_dep_value'
set_deps 'pl_user: pl_dep\n'
check "with the entry, the same insmod succeeds" insmod "$(ko pl_user)"
check "pl_user called into pl_dep" log_has 'pl_user: pl_dep_value\(\) = 42'
check "lsmod shows pl_dep used by pl_user" used_by pl_dep pl_user
finish
