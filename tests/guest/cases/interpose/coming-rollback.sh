# An interposer refused at its coming leaves nothing behind: pl_slots_b
# needs 33 swap slots while pl_slots_a holds 33 of the 64, so its load
# fails; /proc/preload/interposers does not list it, and once pl_slots_a is
# gone it loads again from scratch, gets slots that jump into its new code,
# and a consumer calls it.
. "$(dirname "$0")/../../lib.sh"
start_preload
check "pl_slots_a (33 swappable symbols) loads" modprobe pl_slots_a
check "... holding 33 swap slots" grep -q '^pl_slots_a bound=0 .* swap=yes state=started' $INTERPOSERS
refuse "pl_slots_b (33 more) is refused at its coming" insmod "$(ko pl_slots_b)"
check "... saying there are not enough slots" log_has 'pl_slots_b: cannot be a swappable interposer: 31 swap slot\(s\) free, 33 needed'
check "... and preload does not list it" sh -c "! grep -q '^pl_slots_b ' $INTERPOSERS"
check "pl_slots_a unloads" rmmod pl_slots_a
check "pl_slots_b loads now" insmod "$(ko pl_slots_b)"
check "... listed once, started" sh -c "[ \$(grep -c '^pl_slots_b bound=0 .* state=started' $INTERPOSERS) -eq 1 ]"
set_deps 'pl_slots_user: pl_slots_b\n'
check "a consumer of pl_slots_b loads" insmod "$(ko pl_slots_user)"
check "... its first symbol answers through pl_slots_b's slot (1 + 0 + 2000)" param_is pl_slots_user fn0 2001
check "... and its last (1 + 32 + 2000)" param_is pl_slots_user fn32 2033
check "everything unloads" rmmod pl_slots_user pl_slots_b pl_slot_lib
finish
