#!/usr/bin/env bash
# hostile-env.sh - issue 9, "The library trusts its environment" and "The
# shared ring in /dev/shm can be turned against its users".  The library is
# preloaded by hand with a bad environment, or a union starts beside hostile
# files in /dev/shm: never a hang (each run is bounded), never a write to a
# lower, never a stale view; one clear line on stderr where something is
# refused.  The hostile files in /dev/shm: tests/scenarios/hostile-shm.sh.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init hostile-env

LIB=$REPO/build/libunionenv.so
L=$T/L U=$T/U
mkdir -p "$L/d" "$U"
echo lower >"$L/f"
lowers_remember "$L"
cd "$L" || exit 2  # every union below runs in its mount
ME=$(id -u)
ROOT=
[ "$ME" = 0 ] && command -v setpriv >/dev/null && ROOT=yes

# preloaded ENV... -- CMD: the library preloaded by hand over L, bounded.
preloaded() {
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    (
        cd "$L" || exit 2
        export LD_PRELOAD="$LIB" UNIONENV_LOWER="$L" UNIONENV_UPPER="$U" UNIONENV_MOUNT="$L" UNIONENV_LIB="$LIB"
        for e in "${envs[@]}"; do export "${e?}"; done
        exec timeout -k 5 30 "$@"
    )
}

tap_plan 24

# --- UNIONENV_LIB -------------------------------------------------------
out=$(preloaded UNIONENV_LIB= -- sh -c 'sh -c "echo child"; echo parent' 2>"$T/err")
st=$?
tap_is "UNIONENV_LIB empty: children run, no spin (status $st)" "$(printf 'child\nparent')" "$out"
tap_is "UNIONENV_LIB empty: one line on stderr" 1 "$(grep -c "UNIONENV_LIB '' is not this library" "$T/err")"

mkfifo "$T/fifo"
out=$(preloaded UNIONENV_LIB="$T/fifo" -- sh -c 'sh -c "echo child"' 2>"$T/err")
tap_is "UNIONENV_LIB a FIFO: the child runs, nothing hangs" child "$out"
tap_is "UNIONENV_LIB a FIFO: said once" 1 "$(grep -c 'is not this library' "$T/err")"

out=$(preloaded UNIONENV_LIB=/etc/hostname -- env -i /bin/sh -c 'echo x > created; cat created' 2>"$T/err")
tap_is "UNIONENV_LIB another file: a child with a cleared environment stays in the union" x "$out"
tap_result "UNIONENV_LIB another file: no loader error in the children" "$(grep -c 'cannot be preloaded' "$T/err")" \
    "$(cat "$T/err")"
tap_check "... and what it wrote is in the upper" test -f "$U/created"
lowers_unchanged "a bad UNIONENV_LIB"

# --- the layers ------------------------------------------------------------
# refused ENV...: the command would write into L; it must not run at all.
refused() {
    local desc=$1 want=$2
    shift 2
    out=$(preloaded "$@" -- sh -c 'echo bad > "$0/written"' "$L" 2>&1)
    st=$?
    if [ "$st" = 125 ] && [ "$(printf '%s\n' "$out" | grep -c "$want")" = 1 ] && [ ! -e "$L/written" ]; then
        tap_ok "$desc: refused in one line, status 125"
    else
        tap_not_ok "$desc: refused in one line, status 125" "status $st" "$out"
    fi
    rm -f "$L/written"
}
refused "UNIONENV_UPPER the lower itself" "is the same directory as a lower" UNIONENV_UPPER="$L"
refused "UNIONENV_UPPER inside the lower" "is inside lower" UNIONENV_UPPER="$L/d"
ln -s "$L" "$T/link"
refused "UNIONENV_UPPER a lower reached through a symlink" "not a canonical path" UNIONENV_UPPER="$T/link/d"
refused "UNIONENV_UPPER with dot-dots" "not a canonical path" UNIONENV_UPPER="$T/U/../L/d"
refused "UNIONENV_UPPER missing" "does not exist" UNIONENV_UPPER="$T/nothing"
refused "UNIONENV_LOWER given twice" "given twice" UNIONENV_LOWER="$L:$L"
refused "UNIONENV_UPPER relative" "malformed" UNIONENV_UPPER=U
# The work directory holds the index (core/index.h): written like the upper.
refused "UNIONENV_WORK inside the lower" "must not hold one another" UNIONENV_WORK="$L/d"
refused "UNIONENV_WORK inside the upper" "must not hold one another" UNIONENV_WORK="$U"
refused "UNIONENV_WORK missing" "does not exist" UNIONENV_WORK="$T/nowork"
refused "UNIONENV_WORK relative" "malformed" UNIONENV_WORK=W

# --- the token of a checked union (UNIONENV_CHECKED) -------------------------
# A process whose layers its parent checked looks at each with one lstat;
# a token copied beside other layers still meets the full check.
TOKEN=$(preloaded -- sh -c 'printf %s "$UNIONENV_CHECKED"')
tap_check "a checked union hands its children a token ($TOKEN)" test "${#TOKEN}" = 16
refused "a union's token beside another upper (inside the lower)" "is inside lower" UNIONENV_CHECKED="$TOKEN" UNIONENV_UPPER="$L/d"
refused "a union's token beside a lower named through a symlink" "not a canonical path" UNIONENV_CHECKED="$TOKEN" UNIONENV_LOWER="$T/link"
if command -v strace >/dev/null; then
    # The child's start: its layers are not named through /proc (where a
    # new process's first look is dear); its parent's were.
    (cd "$L" && timeout -k 5 30 strace -f -qq -e trace=readlinkat,readlink,execve -o "$T/strace" \
        env LD_PRELOAD="$LIB" UNIONENV_LOWER="$L" UNIONENV_UPPER="$U" UNIONENV_MOUNT="$L" UNIONENV_LIB="$LIB" \
        sh -c '/bin/true; :' 2>/dev/null)
    child=$(awk '/execve\("\/bin\/true"/ { print $1 }' "$T/strace")
    procs=$(awk -v p="$child" '$1 == p && /readlink.*\/proc\/self\/fd/' "$T/strace" | wc -l)
    shells=$(awk -v p="$child" '$1 != p && /readlink.*\/proc\/self\/fd/' "$T/strace" | wc -l)
    tap_result "a child of a checked union reads no layer through /proc (its parent $shells times)" \
        "$([ -n "$child" ] && [ "$procs" = 0 ] && [ "$shells" -gt 0 ]; echo $?)" "$(cat "$T/strace")"
else
    tap_skip "a child of a checked union reads no layer through /proc" "no strace"
fi
lowers_unchanged "refused layer settings"

