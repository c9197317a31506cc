#!/usr/bin/env bash
# inode-ioctl.sh - the preload's ioctl (preload/ioctl.c, issue 11: never
# write a lower).  FS_IOC_SETFLAGS (chattr) and FS_IOC_FSSETXATTR change
# a file's inode through any fd of it, a read-only one included: in a tree
# the preload follows (the default, no filter), `chattr +d f` on a file of
# a lower set nodump on the lower's f.  Now the owner is checked, the file
# copied up and the change made on the upper copy, as the kernel's
# overlayfs does: the union prints what a kernel overlayfs mount of the
# same layers prints (as root), the upper's copy has the flag, the lower's
# file keeps its own (lsattr: the snapshot of the lowers holds no flags).
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init inode-ioctl

P=$REPO/build/tests/inodeioctl
A=$T/A U=$T/U
mkdir -p "$A"
for f in f g h c o; do echo lower >"$A/$f"; done
tap_plan 11

if [ ! -x "$P" ] || ! command -v lsattr >/dev/null || ! command -v chattr >/dev/null; then
    for i in $(seq 11); do tap_skip "inode-ioctl $i" "no build/tests/inodeioctl (run make) or no chattr/lsattr (e2fsprogs)"; done
    tap_done; exit $?
fi
cp "$A/f" "$T/probe"
if [ "$("$P" "$T/probe" flags 2>&1)" != "done, through the same fd: set, through a new fd: set" ]; then
    for i in $(seq 11); do tap_skip "inode-ioctl $i" "the filesystem of $T keeps no file flags ($(stat -f -c %T "$T"))"; done
    tap_done; exit $?
fi
lowers_remember "$A"
flags() { lsattr -d "$1" 2>/dev/null | cut -d' ' -f1; }
before=$(flags "$A/f")
SET="done, through the same fd: set, through a new fd: set"

# steps DIR UPPER: every step, in DIR (the union's mount or the kernel's);
# its output, one line a step.
steps() {
    local d=$1 u=$2
    (cd "$d" && "$P" f flags) 2>&1
    (cd "$d" && "$P" g raw) 2>&1
    (cd "$d" && "$P" h xflags) 2>&1
    (cd "$d" && chattr +d c && lsattr c) 2>&1
    (cd "$d" && echo new >n && chattr +d n && lsattr n) 2>&1
    # The owner check: another user may not (as root only: as another
    # user, no file here belongs to someone else).
    if [ "$(id -u)" = 0 ]; then
        (cd "$d" && setpriv --reuid=65534 --regid=65534 --clear-groups "$P" o flags) 2>&1
        [ -e "$u/o" ] && echo "o copied up" || echo "o not copied up"
    fi
}

chmod 755 "$T"   # the owner check runs as uid 65534
got=$(union --lower "$A" --upper "$U" -- bash -c "$(declare -f steps); P=$P steps '$A' '$U'" 2>&1)
IFS=$'\n' read -r -d '' out_f out_g out_h out_c out_n out_o out_ocopy <<<"$got"

tap_is "FS_IOC_SETFLAGS through a read-only fd of a lower's file: the union's file has the flag, through that fd and a new one" "$SET" "$out_f"
tap_is "... the upper's copy has it, the lower's file not (lsattr)" "d $before" "$(flags "$U/f" | tr -cd d) $(flags "$A/f")"
tap_is "FS_IOC_SETFLAGS made through syscall(): likewise" "$SET d $before" "$out_g $(flags "$U/g" | tr -cd d) $(flags "$A/g")"
tap_is "FS_IOC_FSSETXATTR (noatime): likewise" "$SET A $before" "$out_h $(flags "$U/h" | tr -cd A) $(flags "$A/h")"
tap_is "chattr +d on a lower's file: lsattr shows it in the union, the lower's file keeps its flags" \
    "d $before" "$(echo "$out_c" | cut -d' ' -f1 | tr -cd d) $(flags "$A/c")"
tap_is "chattr +d on a file made in the union" "d d" "$(echo "$out_n" | cut -d' ' -f1 | tr -cd d) $(flags "$U/n" | tr -cd d)"
if [ "$(id -u)" = 0 ]; then
    tap_is "another user's FS_IOC_SETFLAGS on a lower's file: EPERM, nothing copied up" \
        "Operation not permitted, through the same fd: unset, through a new fd: unset o not copied up" "$out_o $out_ocopy"
else
    tap_skip "another user's FS_IOC_SETFLAGS: EPERM" "not root: no file here belongs to another user"
fi
tap_is "... no lower file has a new flag" "$before $before $before $before $before" \
    "$(for f in f g h c o; do flags "$A/$f"; done | tr '\n' ' ' | sed 's/ $//')"

if can_mount_overlay; then
    k=$T/k
    if mount_overlay "$A" "$k/u" "$k/w" "$k/m"; then
        kgot=$(bash -c "$(declare -f steps); P=$P steps '$k/m' '$k/u'" 2>&1)
        umount_overlay "$k/m"
        tap_is "the kernel's overlayfs prints the same" "$kgot" "$got"
        tap_is "... and its upper's copies have the same flags" \
            "$(cd "$k/u" && for f in f g h c n; do flags "$f"; done)" "$(cd "$U" && for f in f g h c n; do flags "$f"; done)"
    else
        tap_not_ok "the kernel's overlayfs prints the same" "mount -t overlay failed"
        tap_not_ok "... and its upper's copies have the same flags" "mount -t overlay failed"
    fi
else
    tap_skip "the kernel's overlayfs prints the same" "$ORACLE_SKIP_REASON"
    tap_skip "... and its upper's copies have the same flags" "$ORACLE_SKIP_REASON"
fi
lowers_unchanged "ioctls that change an inode, in a tree the preload follows"
tap_done
