#!/usr/bin/env bash
# hostile-shm.sh - issue 9, "The shared ring in /dev/shm can be turned
# against its users": a union starts beside hostile files in /dev/shm (a
# FIFO named like a segment, another user's file or a hard link at the
# segment's name, a segment overwritten with 0xff): never a hang, never a
# write to a file that is not the segment, never a stale view.
#
# A FIFO there would stop every union of the machine that runs an older
# library (other checkouts, other users' builds), so the whole script runs
# in a mount namespace of its own with a fresh tmpfs at /dev/shm: root
# only (uid 65534 plays the other user); skipped visibly otherwise.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"

PLAN=9
if [ "${HOSTILE_SHM_PRIVATE:-}" != yes ]; then
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v setpriv >/dev/null &&
        unshare -m --propagation private true 2>/dev/null; then
        exec unshare -m --propagation private env HOSTILE_SHM_PRIVATE=yes bash -c \
            'mount -t tmpfs -o mode=1777 tmpfs /dev/shm && exec bash "$0"' "$0"
    fi
    tap_plan $PLAN
    for i in $(seq 1 $PLAN); do
        tap_skip "hostile files in /dev/shm ($i)" "needs root (a private /dev/shm, uid 65534 as the other user)"
    done
    exit 0
fi

scenario_init hostile-shm
L=$T/L U=$T/U
mkdir -p "$L/d" "$U"
echo lower >"$L/f"
lowers_remember "$L"
cd "$L" || exit 2  # every union below runs in its mount
ME=$(id -u)
tap_plan $PLAN

# The segment's name for a fresh upper (core/shm.c).
seg_name() {
    printf '/dev/shm/unionenv-%s-%x-%x' "$ME" "$(stat -c %d "$1")" "$(stat -c %i "$1")"
}

# A FIFO named with this user's prefix: the collection of dead segments
# meets it when a new upper's segment is made.
fifo=/dev/shm/unionenv-$ME-fifo-$$
mkfifo "$fifo"
rm -rf "$U" && mkdir "$U"
out=$(timeout -k 5 30 "$REPO/unionenv.sh" --lower "$L" --upper "$U" -- sh -c 'echo n > new; cat new' 2>&1 </dev/null)
tap_is "a FIFO of this user's named like a segment: a new union starts" n "$out"
rm -f "$fifo"

setpriv --reuid=65534 --regid=65534 --clear-groups mkfifo "/dev/shm/unionenv-$ME-x$$"
rm -rf "$U" && mkdir "$U"
out=$(timeout -k 5 30 "$REPO/unionenv.sh" --lower "$L" --upper "$U" -- sh -c 'echo n > new; cat new' 2>&1)
tap_is "another user's FIFO named with our prefix: a new union starts" n "$out"
rm -f "/dev/shm/unionenv-$ME-x$$"

rm -rf "$U" && mkdir "$U"
seg=$(seg_name "$U")
rm -f "$seg"  # a dead upper's, whose inode number the new one reuses
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "umask 0; printf planted > '$seg'"
out=$(timeout -k 5 30 "$REPO/unionenv.sh" --lower "$L" --upper "$U" -- sh -c 'test -e new || echo missing; echo n > new; cat new' 2>&1)
tap_is "another user's file at the segment's name: the union works (uncached)" "$(printf 'missing\nn')" "$out"
tap_is "... and that file is neither taken nor written" planted "$(cat "$seg")"
rm -f "$seg"

# A hard link at the segment's name (another user can place one where
# fs.protected_hardlinks=0; the link's file is one of ours).
rm -rf "$U" && mkdir "$U"
victim=/dev/shm/unionenv-test-victim-$$
echo precious >"$victim"
seg=$(seg_name "$U")
rm -f "$seg"
if ln "$victim" "$seg" 2>/dev/null; then
out=$(union --lower "$L" --upper "$U" -- sh -c 'echo n > new; cat new' 2>&1)
tap_is "a hard link at the segment's name: the union works" n "$out"
tap_is "... and the linked file is not overwritten" precious "$(cat "$victim")"
rm -f "$seg" "$victim"
else
    tap_skip "a hard link at the segment's name: the union works" "cannot link in /dev/shm"
    tap_skip "... and the linked file is not overwritten" "cannot link in /dev/shm"
fi

# The segment is the user's alone: no other user can truncate (SIGBUS) or
# write it.
rm -rf "$U" && mkdir "$U"
union --lower "$L" --upper "$U" -- true
seg=$(seg_name "$U")
tap_is "the segment is a regular file of ours, mode 0600, one link" "regular file $ME 600 1" \
    "$(stat -c '%F %u %a %h' "$seg" 2>&1)"

# Filled with 0xff while a process of the union has cached a name as
# missing: a damaged segment means a flushed cache, never a stale one.
mkfifo "$T/go"
( union --lower "$L" --upper "$U" -- bash -c 'test -e fresh && echo early; read -r _ < "$0"; touch fresh; test -e fresh && echo seen || echo stale' "$T/go" >"$T/out" 2>&1 ) &
pid=$!
sleep 1
python3 -c 'import os,sys; p=sys.argv[1]; n=os.path.getsize(p); f=open(p,"r+b"); f.write(b"\xff"*n); f.close()' "$seg"
echo go >"$T/go"
wait $pid
tap_is "a segment filled with 0xff: a file just made is seen" seen "$(cat "$T/out")"
lowers_unchanged "hostile files in /dev/shm"
