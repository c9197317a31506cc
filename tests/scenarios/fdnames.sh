#!/usr/bin/env bash
# fdnames.sh - issue 12: the union name of a directory fd is kept
# (core/fdnames.h), so the calls relative to it do not ask the kernel each
# time; it must stay true when the directory is renamed or removed by this
# process or another, when its fd is duplicated, closed, reused or
# inherited by a fork child, and when a vfork child reuses its number; an
# fd known to be open on a file its open made in the upper (no copy-up
# needed through it) must not be taken for another file at its number.
# build/tests/fdnames plays every case once; the union prints what the
# kernel's overlayfs prints (with redirect_dir, which renames a merged
# directory in place; asked too, as root); the lowers never change.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init fdnames

A=$T/A B=$T/B U=$T/U
mkdir -p "$A/d" "$B/d" "$A/l" "$B/l"
echo a >"$A/d/a"
echo b >"$B/d/b"
echo a >"$A/l/a"
echo b >"$B/l/b"
lowers_remember "$A" "$B"
tap_plan 4

WANT="upper directory renamed by another process: made there
merged directory renamed: its lower file: found
merged directory renamed by another process: made there
parent renamed by another process: made there
renamed by this process: made there
removed and made anew by another process: No such file or directory
dup2 over a named fd: found
a duplicate after a rename: made there
number reused for another directory: found
renamed among more changes than the ring holds: made there
fork child, after its rename: made there
fork parent, after the child's rename: made there
number of a made file reused for a lower one (same): mode 600
dup2 of a lower file over a made one: mode 640
vfork child: ok
vfork parent, after the child's exec: made there"

rm -rf "$U"
got=$(cd "$A" && union --lower "$A:$B" --upper "$U" -- "$REPO/build/tests/fdnames" 2>&1)
tap_is "directory fds keep their union names true" "$WANT" "$got"
lowers_unchanged "directory fds"

if can_mount_overlay; then
    k=$T/k
    mkdir -p "$k/u" "$k/w" "$k/m"
    if mount -t overlay overlay -o "redirect_dir=on,lowerdir=$A:$B,upperdir=$k/u,workdir=$k/w" "$k/m"; then
        got=$(cd "$k/m" && "$REPO/build/tests/fdnames" 2>&1)
        umount "$k/m"
        tap_is "the kernel prints the same" "$WANT" "$got"
    else
        tap_not_ok "the kernel prints the same" "mount -t overlay failed"
    fi
else
    tap_skip "the kernel prints the same" "$ORACLE_SKIP_REASON"
fi
lowers_unchanged "the kernel's run"

tap_done
