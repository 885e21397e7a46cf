# One open-write-close is one update: loads in between see the old list.
. "$(dirname "$0")/../../lib.sh"
start_preload
exec 3>$DEPS
echo 'pl_c: pl_d' >&3
check "while the file is open, the old (empty) list applies" insmod "$(ko pl_c)"
check "so pl_d was not loaded" not_loaded pl_d
rmmod pl_c
exec 3>&-
check "after close the new list is live" deps_are 'pl_c: pl_d'
check "and applies" insmod "$(ko pl_c)"
check "pl_d was loaded" holder pl_d pl_c
check "writing nothing clears the list" sh -c ": > $DEPS"
check "the list is empty" deps_are ''
finish
