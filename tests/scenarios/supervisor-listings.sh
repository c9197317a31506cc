#!/usr/bin/env bash
# supervisor-listings.sh - a directory read continues from the listing of
# its own open file, never from one kept under an fd number
# (supervisor/listings.h): tests/preload/listings.c, statically linked
# (every getdents64 served by the supervisor) with one worker and with
# two, dynamically under the preload, and on the kernel's overlayfs as
# root.  A new open of a directory put where an older one stood (lseek)
# after its names were removed shows none of them; two open files read
# in turns while a child reads a third each see every name once.  The
# lowers are checked after each.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-listings

SRC=$REPO/tests/preload/listings.c DYN=$REPO/build/tests/listings
A=$T/A U=$T/U BIN=$T/bin
mkdir -p "$A/d" "$BIN"
chmod 755 "$T" "$A"
chmod 777 "$A/d"
for i in $(seq -w 0 39); do : >"$A/d/n$i"; done
lowers_remember "$A"

tap_plan 9

if [ ! -x "$REPO/build/unionenv-supervise" ] || [ ! -x "$DYN" ] ||
   ! cc -static -O2 -o "$BIN/listings" "$SRC" 2>/dev/null; then
    for i in $(seq 9); do tap_skip "supervisor-listings $i" "no unionenv-supervise or no static C library"; done
    tap_done; exit $?
fi

WANT='a open: a read names, b from there: 0 removed names shown
a closed: a read names, b from there: 0 removed names shown
in turns: a each name once: yes, b: yes, the child'"'"'s 50 reads: each name once'

run() {
    local k=$T/k
    rm -rf "$U"
    case $1 in
    static1|static2) (cd "$A" && UNIONENV_SUPERVISE_THREADS=${1#static} union --lower "$A" --upper "$U" -- "$BIN/listings" 2>&1) ;;
    preload) (unset UNIONENV_SUPERVISE; cd "$A" && union --lower "$A" --upper "$U" -- "$DYN" 2>&1) ;;
    supervise) (cd "$A" && UNIONENV_SUPERVISE_THREADS=2 union --supervise --lower "$A" --upper "$U" -- "$DYN" 2>&1) ;;
    kernel)
        rm -rf "$k" && mkdir -p "$k/u" "$k/w" && cp -a "$A" "$k/l" || return 1
        mount -t overlay overlay -o "userxattr,lowerdir=$k/l,upperdir=$k/u,workdir=$k/w" "$k/l" || return 1
        (cd "$k/l" && "$BIN/listings" 2>&1)
        umount "$k/l"
        ;;
    esac
}

for side in static1 static2 preload supervise; do
    tap_is "listings of open files, $side" "$WANT" "$(run $side)"
    lowers_unchanged "listings of open files, $side"
done
if can_mount_overlay; then
    tap_is "the kernel's overlayfs prints the same" "$WANT" "$(run kernel)"
else
    tap_skip "the kernel's overlayfs prints the same" "$ORACLE_SKIP_REASON"
fi
tap_done
