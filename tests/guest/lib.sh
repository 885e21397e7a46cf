# Helpers for guest test cases; sourced by each case. A case checks one
# behaviour, prints a line per check, and ends with `finish`, which prints
# "ok - NAME" or "not ok - NAME" and sets the exit status.
MODDIR=/lib/modules/$(uname -r)/extra
DEPS=/proc/preload/deps
STATS=/proc/preload/stats
# The case's name: its path under cases/, without .sh (e.g. swap/irq-callers).
TEST=${0#*cases/}
TEST=${TEST%.sh}
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

# refuse DESCRIPTION COMMAND...: passes if COMMAND runs and fails.
refuse() {
    desc=$1; shift
    "$@" >/tmp/check.out 2>&1
    status=$?
    case $status in
        0) printf "  FAIL: %s (it succeeded)\n" "$desc" ;;
        # A command that is missing or cannot run refuses nothing.
        126|127) printf "  FAIL: %s (exit %s: the command did not run)\n" "$desc" "$status" ;;
        *) printf "  pass: %s\n" "$desc"; return ;;
    esac
    sed 's/^/    | /' /tmp/check.out
    failures=$((failures + 1))
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
# Whether the flavor's kernel is built with BTF (Debian's and modversions)
# and with symbol CRCs (modversions): what a case expects of it.
flavor_has_btf() { case $PRELOAD_KERNEL in debian*|modversions) true ;; *) false ;; esac; }
flavor_has_crcs() { [ "$PRELOAD_KERNEL" = modversions ]; }
# Whether the flavor is one of Debian's own kernels (they trust Debian's key only).
flavor_is_debian() { case $PRELOAD_KERNEL in debian*) true ;; *) false ;; esac; }

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

# Hot swap helpers. swap OLD NEW [force] [timeout=MS] writes a request to
# /proc/preload/swap; lifecycle REQUEST (start NAME, quiesce NAME) to
# /proc/preload/lifecycle.
swap() { printf '%s\n' "$*" > /proc/preload/swap; }
lifecycle() { printf '%s\n' "$*" > /proc/preload/lifecycle; }
# until_true TRIES CMD...: polls CMD every 0.1 s, at most TRIES times.
until_true() { n=$1; shift; while ! "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done; }

# returns_within SECS COMMAND...: runs COMMAND (in the background, so that
# it can be watched) and returns its status. A hang detector, not a timing
# check: if COMMAND has not returned after SECS seconds, far more than it
# should ever take, it is said, COMMAND is killed and the status is 1.
returns_within() {
    rw_secs=$1; shift
    rm -f /tmp/returns_within.hung
    "$@" &
    rw_pid=$!
    (
        trap 'kill $rw_sleep 2>/dev/null; exit 0' TERM
        sleep "$rw_secs" & rw_sleep=$!
        wait $rw_sleep || exit 0
        : > /tmp/returns_within.hung
        echo "  # $* has not returned after $rw_secs s: killing it"
        kill -KILL $rw_pid 2>/dev/null
    ) &
    rw_dog=$!
    wait $rw_pid
    rw_status=$?
    kill $rw_dog 2>/dev/null
    wait $rw_dog 2>/dev/null
    if [ -e /tmp/returns_within.hung ]; then
        echo "$* had not returned after $rw_secs s (killed)"
        return 1
    fi
    return $rw_status
}

# swap_rounds N A B [PAUSE]: N swaps back and forth, A -> B, then B -> A
# with force (the way back may be to an older version), and so on; after
# each, the version left (quiesced when the write returns) is started again,
# and PAUSE seconds pass, so that the callers use each version. Every swap
# write must return within 120 s (returns_within) and succeed. Leaves the
# swaps that succeeded in $swaps; stops at the first that failed, saying
# which, and returns 1.
swap_rounds() {
    sr_n=$1 sr_old=$2 sr_new=$3 sr_pause=${4:-0} sr_force= swaps=0
    while [ $swaps -lt "$sr_n" ]; do
        if ! returns_within 120 swap $sr_old $sr_new $sr_force; then
            echo "swap $((swaps + 1)) of $sr_n ($sr_old -> $sr_new $sr_force) failed"; return 1
        fi
        swaps=$((swaps + 1))
        lifecycle start $sr_old || { echo "start $sr_old after swap $swaps failed"; return 1; }
        [ "$sr_pause" = 0 ] || sleep "$sr_pause"
        sr_t=$sr_old sr_old=$sr_new sr_new=$sr_t
        [ -z "$sr_force" ] && sr_force=force || sr_force=
    done
    echo "$swaps swaps"
}

# busy_caller_checks MODULE: the checks on the final counters of a stopped
# busy caller (pl_caller_threads, pl_caller_irq) after swaps between the
# sample (1042) and interposer_v2 (2042): it called, every call it started
# returned one version's result and no other, both versions answered it,
# and it saw the version change. Leaves its calls started in $started.
busy_caller_checks() {
    started=$(param "$1" started)
    bc_v1=$(param "$1" v1) bc_v2=$(param "$1" v2) bc_bad=$(param "$1" bad)
    echo "  # $1: $started calls, $bc_v1 answered by 1.0, $bc_v2 by 2.0, $bc_bad otherwise; $(param "$1" switches) version changes seen"
    check "$1 called" [ "$started" -gt 0 ]
    check "$1: every call it started returned: started = answered by 1.0 + by 2.0 + other" \
        [ "$started" -eq $((bc_v1 + bc_v2 + bc_bad)) ]
    check "$1: no call returned anything but one version's result" [ "$bc_bad" -eq 0 ]
    check "$1: both versions answered" [ "$bc_v1" -gt 0 -a "$bc_v2" -gt 0 ]
    check "$1: it saw the version change" [ "$(param "$1" switches)" -gt 0 ]
}
# calls_handed: the calls the sample and interposer_v2 answered, their
# predecessors' included (each hands its count to its successor).
calls_handed() { echo $(($(param interposer calls) + $(param interposer_v2 calls))); }
