#!/usr/bin/env bash
# deviations.sh - the deviations from the kernel that docs/semantics.md
# lists and no other test shows, shown: a current directory or a directory
# fd in a lower's real directory is taken to be the union's; a path from
# outside the mount that reaches into a lower by a symlink reads that lower
# as it is, and a write through it lands in the upper; a merged
# directory's name reports one link, an fd on it the real count; a chmod of
# the upper's directory by hand is not seen by a process that had looked
# below it, a new process sees it.  The lowers must be unchanged.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init deviations

A=$T/A B=$T/B U=$T/U
mkdir -p "$A/d" "$B/d/sub" "$B/d/sub2" "$U"
echo a >"$A/d/fa"
echo b >"$B/d/sub/fb"
ln -s "$B/d" "$T/out"   # outside the mount, into the second lower
lowers_remember "$A" "$B"

tap_plan 9

# in_union SCRIPT: bash -c SCRIPT in the union, stdout's lines joined by spaces.
in_union() {
    union --lower "$A:$B" --upper "$U" -- bash -c "$1" 2>&1 | tr '\n' ' '
}

tap_is "a current directory in a lower's real directory is the union's: the first lower's file is found there" \
    "a fa sub sub2 " "$(in_union "cd '$B/d' && cat fa && ls")"
tap_is "a directory fd on a lower's real directory lists the union's directory" \
    "['fa', 'sub', 'sub2'] " \
    "$(in_union "python3 -c 'import os; print(sorted(os.listdir(os.open(\"$B/d\", os.O_RDONLY))))'")"
tap_is "a symlink from outside the mount into a lower reads that lower as it is" \
    "sub sub2 b missing " "$(in_union "ls '$T/out'; cat '$T/out/sub/fb'; cat '$T/out/fa' 2>/dev/null || echo missing")"
tap_is "a write through it lands in the upper, and the union shows it" \
    "new " "$(in_union "echo new >'$T/out/new' && cat '$A/d/new'")"
tap_is "... at the union's name in the upper" "new" "$(cat "$U/d/new" 2>&1)"
tap_is "a merged directory's name reports one link, an fd on it the real count" \
    "1 2 " "$(in_union "stat -c %h '$A/d'; python3 -c 'import os; print(os.fstat(os.open(\"$A/d\", os.O_RDONLY)).st_nlink)'")"

# The chmod by hand comes between the process's two reads, by a process
# outside the union that waits for it on a FIFO: an order, not a timing.
if [ "$(id -u)" -eq 0 ]; then
    tap_skip "a chmod by hand of the upper's directory: a process that had looked below it still reaches it" \
        "root searches every directory"
    tap_skip "... a new process is refused" "root searches every directory"
else
    mkdir -p "$B/m" && echo m >"$B/m/f" && lowers_remember "$A" "$B"
    mkfifo "$T/go" "$T/done"
    # Opened read-write, the FIFOs never block this side: a union that
    # dies before its signal leaves no hang behind.  The union's side holds
    # "done" open from before its signal, so the answer cannot be lost.
    (exec 3<>"$T/go" 4<>"$T/done"; read -r -t 120 _ <&3; chmod 000 "$U/m"; echo done >&4) &
    got=$(union --lower "$A:$B" --upper "$U" -- python3 -c "
import os
open('$A/m/new', 'w').close()   # the upper has m now
print(open('$A/m/f').read().strip())
done = os.open('$T/done', os.O_RDWR)   # before the signal: the answer waits in it
open('$T/go', 'w').write('go\\n')
os.read(done, 5)
try:
    print(open('$A/m/f').read().strip())
except OSError as e:
    print(os.strerror(e.errno))
" 2>&1 | tr '\n' ' ')
    wait
    tap_is "a chmod by hand of the upper's directory: a process that had looked below it still reaches it" "m m " "$got"
    tap_is "... a new process is refused" "Permission denied" \
        "$(in_union "cat '$A/m/f' 2>&1 >/dev/null | sed 's/.*: //'" | sed 's/ $//')"
    chmod 755 "$U/m"
fi
lowers_unchanged "every step"
tap_done
