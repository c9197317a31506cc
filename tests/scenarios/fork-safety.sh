#!/usr/bin/env bash
# fork-safety.sh - issue 9, "fork deadlock": a thread loops a union call
# (getdents64, chdir, opendir, stat, open) while the main thread forks 300
# children that each make union calls and exit (tests/preload/forkers.c).
# A lock of the library held by the looping thread at the fork must not
# stay held in the child: no child may hang (each gets 10 seconds).
# Python multiprocessing, JVMs and test runners fork like this.  The lowers
# never change.
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init fork-safety

FORKERS=$REPO/build/tests/forkers
L=$T/L U=$T/U
mkdir -p "$L/a" "$L/b"
echo f >"$L/f"
for i in $(seq 1 40); do echo "$i" >"$L/a/$i"; echo "$i" >"$L/b/$i"; done
lowers_remember "$L"

KINDS="getdents64 chdir opendir stat open all"
tap_plan $(($(echo $KINDS | wc -w) * 2))
for kind in $KINDS; do
    rm -rf "$U"
    got=$(UNION_TIMEOUT=300 union --lower "$L" --upper "$U" -- "$FORKERS" "$L" "$kind" 300 2>&1)
    tap_is "a thread looping $kind while 300 children fork: none hangs" "300 children, 0 hung, 0 failed" "$got"
    lowers_unchanged "$kind"
done
