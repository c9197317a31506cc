# shellcheck shell=bash
# tap.sh - minimal TAP producer for the scenario scripts (sourced).
#
#   tap_plan N                 print "1..N" (call once, first)
#   tap_ok DESC                record a pass
#   tap_not_ok DESC [DIAG...]  record a failure; DIAG lines are printed as "# ..."
#   tap_check DESC CMD...      run CMD (output shown as diagnostics on failure)
#   tap_is DESC EXPECTED ACTUAL  compare two strings
#   tap_cmp_files DESC EXPECTED_FILE ACTUAL_FILE   compare files, diff on failure
#   tap_skip DESC REASON       "ok N - DESC # skip REASON"
#   tap_diag TEXT...           print "# TEXT" (stdin when no argument)
#   tap_done                   fill in missing planned tests as failures and
#                              return non-zero if anything failed
# Exit status of a scenario: `tap_done; exit $?` (or just `tap_done` last).

TAP_PLANNED=0
TAP_N=0
TAP_FAILED=0

tap_plan() {
    TAP_PLANNED=$1
    echo "1..$1"
}

tap_diag() {
    if [ $# -gt 0 ]; then
        printf '%s\n' "$@" | sed 's/^/# /'
    else
        sed 's/^/# /'
    fi
}

tap_ok() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $1"
}

tap_not_ok() {
    local desc=$1
    shift
    TAP_N=$((TAP_N + 1))
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $desc"
    [ $# -gt 0 ] && tap_diag "$@"
    return 0
}

tap_skip() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $1 # skip $2"
}

# tap_result DESC STATUS [DIAG...] - ok when STATUS is 0
tap_result() {
    local desc=$1 st=$2
    shift 2
    if [ "$st" -eq 0 ]; then tap_ok "$desc"; else tap_not_ok "$desc" "$@"; fi
}

tap_check() {
    local desc=$1 out st
    shift
    out=$("$@" 2>&1)
    st=$?
    if [ $st -eq 0 ]; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc" "command failed (status $st): $*"
        [ -n "$out" ] && printf '%s\n' "$out" | head -n 40 | tap_diag
    fi
    return $st
}

tap_is() {
    if [ "$2" == "$3" ]; then
        tap_ok "$1"
    else
        tap_not_ok "$1" "expected: $2" "     got: $3"
        return 1
    fi
}

# tap_cmp_files DESC EXPECTED ACTUAL [MAXLINES=40]
tap_cmp_files() {
    local desc=$1 exp=$2 act=$3 max=${4:-40}
    if cmp -s -- "$exp" "$act"; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc" "--- expected  +++ actual (first $max diff lines)"
        diff -u -- "$exp" "$act" | tail -n +3 | head -n "$max" | tap_diag
        return 1
    fi
}

tap_done() {
    while [ "$TAP_N" -lt "$TAP_PLANNED" ]; do
        tap_not_ok "missing test (scenario stopped early after $TAP_N of $TAP_PLANNED)"
    done
    if [ "$TAP_N" -gt "$TAP_PLANNED" ]; then
        tap_diag "ran $TAP_N tests but planned $TAP_PLANNED"
        TAP_FAILED=$((TAP_FAILED + 1))
    fi
    [ "$TAP_FAILED" -eq 0 ]
}
