# Helpers for guest test cases; sourced by each case. A case checks one
# behaviour, prints a line per check, and ends with `finish`, which prints
# "ok - NAME" or "not ok - NAME" and sets the exit status.
MODDIR=/lib/modules/$(uname -r)/extra
DEPS=/proc/preload/deps
STATS=/proc/preload/stats
TEST=$(basename "$0" .sh)
failures=0

ko() { echo "$MODDIR/$1.ko"; }

# check DESCRIPTION COMMAND...: passes if COMMAND succeeds.
check() {
    desc=$1; shift
    if "$@" >/tmp/check.out 2>&1; then
        printf "  pass: %s\n" "$desc"
    else
        printf "  FAIL: %s\n" "$desc"; sed 's/^/    | /' /tmp/check.out
        failures=$((failures + 1))
    fi
}

# refuse DESCRIPTION COMMAND...: passes if COMMAND fails.
refuse() {
    desc=$1; shift
    if "$@" >/tmp/check.out 2>&1; then
        printf "  FAIL: %s (it succeeded)\n" "$desc"; sed 's/^/    | /' /tmp/check.out
        failures=$((failures + 1))
    else
        printf "  pass: %s\n" "$desc"
    fi
}

# exits STATUS COMMAND...: passes if COMMAND exits with STATUS; its output is
# kept in /tmp/exits.out for later checks.
exits() {
    want=$1; shift
    "$@" >/tmp/exits.out 2>&1
    got=$?
    cat /tmp/exits.out
    [ "$got" -eq "$want" ] || { echo "exit status $got, expected $want"; return 1; }
}
said() { grep -Eq -- "$1" /tmp/exits.out; }

# The kernel log contains a line matching the extended regex $1.
log_has() { dmesg | grep -Eq -- "$1"; }

# The first kernel log line matching $1 comes before the first matching $2.
log_order() {
    a=$(dmesg | grep -En -- "$1" | head -n1 | cut -d: -f1)
    b=$(dmesg | grep -En -- "$2" | head -n1 | cut -d: -f1)
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}

loaded() { grep -q "^$1 " /proc/modules; }
not_loaded() { ! loaded "$1"; }
# $1 is listed in /proc/modules as used by $2.
used_by() { grep "^$1 " /proc/modules | awk '{print $4}' | tr ',' '\n' | grep -qx "$2"; }
holder() { [ -e "/sys/module/$1/holders/$2" ]; }
stat_of() { awk -v n="$1" '$1 == n {print $2}' $STATS; }
stat_is() { [ "$(stat_of "$1")" = "$2" ]; }
set_deps() { printf '%b' "$1" > $DEPS; }
deps_are() { [ "$(cat $DEPS)" = "$(printf '%b' "$1")" ]; }

start_preload() { insmod "$(ko preload)" "$@"; }

finish() {
    if [ "$failures" -eq 0 ]; then echo "ok - $TEST"; exit 0; fi
    echo "not ok - $TEST ($failures failed checks)"; exit 1
}

# Interposition helpers.
INTERPOSERS=/proc/preload/interposers
param() { cat "/sys/module/$1/parameters/$2"; }
param_is() { [ "$(param "$1" "$2")" = "$3" ]; }
# The bound=N count /proc/preload/interposers shows for interposer $1.
bound_of() { awk -v n="$1" '$1 == n { sub("bound=", "", $2); print $2 }' $INTERPOSERS; }
bound_is() { [ "$(bound_of "$1")" = "$2" ]; }
refcnt_of() { cat "/sys/module/$1/refcnt"; }

# Stress helpers. at_once N COMMAND...: starts N copies of COMMAND together
# and waits for all; copy I (from 0, in $AT_ONCE_INDEX) leaves its output in
# /tmp/at_once.I.out and its exit status in /tmp/at_once.I.status.
at_once() {
    n=$1; shift
    rm -f /tmp/at_once.*
    i=0
    while [ $i -lt "$n" ]; do
        ( export AT_ONCE_INDEX=$i; "$@" >/tmp/at_once.$i.out 2>&1; echo $? >/tmp/at_once.$i.status ) &
        i=$((i + 1))
    done
    wait
}
# How many of the last at_once's copies exited with status $1.
exited() { cat /tmp/at_once.*.status | grep -cx "$1"; }
# The kernel log has exactly $2 lines matching $1.
log_count_is() { [ "$(dmesg | grep -cE -- "$1")" -eq "$2" ]; }
