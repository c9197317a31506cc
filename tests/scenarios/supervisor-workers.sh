#!/usr/bin/env bash
# supervisor-workers.sh - several workers serve one tree at once
# (docs/design.md, "Serving one call"): what each worker sets for the
# caller it serves (its umask; as root the caller's fsuid, fsgid and
# groups) is its own, never another caller's.  Under --supervise with 4
# workers, four shells create files and directories in parallel, two
# with umask 077 and two with 022, and as root two of them as uid 65534
# (setpriv); every file has its own shell's mode and owner.  As root,
# first: a shell as uid 65534 alone creates in a root-owned sticky
# directory of the lower, so that its copy-up is made while the worker
# acts for 65534 (the four shells meet that only when a 65534 shell is
# the first to need d: "d/f4.1: Permission denied" once in a while).
# The lowers are checked after.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-workers

A=$T/A U=$T/U
mkdir -p "$A/d" "$A/s"
chmod 755 "$T" "$A"
chmod 1777 "$A/d" "$A/s"
echo base >"$A/file"
lowers_remember "$A"
N=${WORKERS_FILES:-150}

tap_plan 6

if [ ! -x "$REPO/build/unionenv-supervise" ]; then
    for i in 1 2 3 4 5 6; do tap_skip "supervisor-workers $i" "no unionenv-supervise"; done
    tap_done; exit $?
fi

# Shell j: umask 077 when j is odd, 022 when even; as root, shells 3 and 4
# run as uid 65534.
as_other=
if [ "$(id -u)" = 0 ]; then as_other='setpriv --reuid 65534 --regid 65534 --clear-groups --'; fi
# The kernel's overlayfs copies s up as its mounter (root): s in the
# upper is root's, the file in it the caller's.
if [ -n "$as_other" ]; then
    out=$(cd "$A" && UNIONENV_SUPERVISE_THREADS=2 union --supervise --lower "$A" --upper "$U" -- \
        $as_other bash -c 'umask 022; : >s/f && stat -c "%u %a %n" s s/f' 2>&1)
    tap_is "a user's create in a root-owned sticky directory copies it up as root" \
        "$(printf '%s\n' '0 1777 s' '65534 644 s/f')" "$out"
else
    tap_skip "a user's create in a root-owned sticky directory copies it up as root" "needs root to run a shell as another user"
fi

STEPS='
for j in 1 2 3 4; do
    (
        if [ $((j % 2)) = 1 ]; then umask 077; else umask 022; fi
        run=
        [ $j -ge 3 ] && run="$AS_OTHER"
        $run bash -c "for i in \$(seq $N); do : >d/f$j.\$i; mkdir d/m$j.\$i; done"
    ) &
done
wait
'
out=$(cd "$A" && AS_OTHER=$as_other N=$N UNIONENV_SUPERVISE_THREADS=4 \
    union --supervise --lower "$A" --upper "$U" -- bash -c "$STEPS" 2>&1)
tap_is "four shells create at once under four workers" "" "$out"

# mode_of j: the modes of shell j's files and directories, counted.
count() { find "$U/d" -maxdepth 1 -name "$1" -printf "$2\n" | sort | uniq -c | awk '{print $2 " " $1}'; }
got=$(for j in 1 2 3 4; do
    echo "files $j: $(count "f$j.*" '%m')"
    echo "dirs $j: $(count "m$j.*" '%m')"
done)
want=$(for j in 1 2 3 4; do
    if [ $((j % 2)) = 1 ]; then f=600 d=700; else f=644 d=755; fi
    echo "files $j: $f $N"
    echo "dirs $j: $d $N"
done)
tap_is "each file and directory has its own shell's umask" "$want" "$got"

if [ -n "$as_other" ]; then
    got=$(for j in 1 2 3 4; do echo "$j: $(count "[fm]$j.*" '%U:%G')"; done)
    want=$(printf '%s\n' "1: 0:0 $((2 * N))" "2: 0:0 $((2 * N))" "3: 65534:65534 $((2 * N))" "4: 65534:65534 $((2 * N))")
    tap_is "each file and directory has its own shell's owner" "$want" "$got"
else
    tap_skip "each file and directory has its own shell's owner" "needs root to run shells as another user"
fi
tap_is "nothing was made in the lower" "" "$(find "$A/d" "$A/s" -mindepth 1 | head -n 3)"
lowers_unchanged "four shells at once under four workers"
tap_done
