#!/usr/bin/env bash
# impure-listing.sh - a listing's inode numbers in an upper directory
# follow the kernel's rule (core/readdir.c): an entry's origin
# (user.overlay.origin, the lower file it was copied up from) gives its
# d_ino only where the directory is marked impure, which every copy-up,
# rename and link into it does; elsewhere the upper's own number, as the
# kernel's readdir gives it, while stat gives the origin's either way.  The
# unmarked directory with an origin in it is made by hand (a link made on
# the upper directly), the only way to tell the rule; a listing of it asks
# no entry's origin.  Compared with a kernel overlayfs mount as root.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init impure-listing

A=$T/A U=$T/U
mkdir -p "$A" "$U"
echo f >"$A/f"
lowers_remember "$A"
tap_plan 6

# inodes DIR: "name d_ino st_ino" of each entry of DIR, by name.
inodes() {
    python3 -c '
import os, sys
for e in sorted(os.scandir(sys.argv[1]), key=lambda e: e.name):
    print(e.name, e.inode(), os.lstat(e.path).st_ino)' "$1"
}

# A copy-up of f: its origin on U/f, the union's root marked impure.  Then,
# by hand, a second name of it in d, a directory the upper alone holds and
# nobody marked.
(cd "$A" && union --lower "$A" --upper "$U" -- chmod 0600 f)
mkdir "$U/d"
ln "$U/f" "$U/d/g"
lower_ino=$(stat -c %i "$A/f")
upper_ino=$(stat -c %i "$U/f")
if getfattr -n user.overlay.origin "$U/f" >/dev/null 2>&1 &&
    [ "$(getfattr --only-values -n user.overlay.impure "$U" 2>/dev/null)" = y ] &&
    ! getfattr -n user.overlay.impure "$U/d" >/dev/null 2>&1; then
    tap_ok "the copy-up left an origin on U/f and the impure mark on U; U/d has none"
else
    tap_not_ok "the copy-up left an origin on U/f and the impure mark on U; U/d has none"
fi

root=$(cd "$A" && union --lower "$A" --upper "$U" -- bash -c "$(declare -f inodes); inodes ." 2>&1)
tap_is "the impure root: f's d_ino and st_ino are the lower's" "f $lower_ino $lower_ino" "$(grep '^f ' <<<"$root")"
in_d=$(cd "$A" && union --lower "$A" --upper "$U" -- bash -c "$(declare -f inodes); inodes d" 2>&1)
tap_is "the unmarked d: g's d_ino is the upper's own, its st_ino the lower's" "g $upper_ino $lower_ino" "$in_d"

if command -v strace >/dev/null; then
    calls=$(cd "$A" && union --lower "$A" --upper "$U" -- strace -f -e trace=lgetxattr,getxattr python3 -c '
import os
for e in os.scandir("d"): e.inode()' 2>&1 | grep -c "\"$U/d/[^\"]*\", \"user.overlay.origin\"")
    tap_is "a listing of the unmarked d asks no entry's origin (d's own is asked, as the kernel's \".\")" 0 "$calls"
else
    tap_skip "a listing of the unmarked d asks no entry's origin" "strace is not installed"
fi

if can_mount_overlay; then
    if mount_overlay "$A" "$U" "$T/W" "$T/K" 2>"$T/mount.err"; then
        k_root=$(cd "$T/K" && inodes .)
        k_d=$(cd "$T/K" && inodes d)
        umount_overlay "$T/K"
        tap_is "kernel overlayfs: the same numbers in both listings" "$(grep '^f ' <<<"$k_root")/$k_d" \
            "$(grep '^f ' <<<"$root")/$in_d"
    else
        tap_not_ok "kernel overlayfs: the same numbers in both listings" "mount failed: $(head -n1 "$T/mount.err")"
    fi
else
    tap_skip "kernel overlayfs: the same numbers in both listings" "$ORACLE_SKIP_REASON"
fi
lowers_unchanged "the listings"
tap_done
