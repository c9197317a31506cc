#!/usr/bin/env bash
# supervisor-emptypath.sh - the "" + AT_EMPTY_PATH forms (fchownat,
# utimensat, fchmodat2, linkat, fstatat, statx, execveat), on an fd open
# read-only and one open O_PATH on a lower's file, and with AT_FDCWD (the
# current directory, a lower's): tests/preload/emptypath.c, statically
# linked (every call served by the supervisor), and dynamically under the
# preload, under --supervise and with the preload kept
# (UNIONENV_SUPERVISE=preload).  Each prints what the kernel's overlayfs
# prints (asked too as root); the lowers never change: an fd on a lower's
# file is not a way to change it, nor to link its inode into the upper.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-emptypath

SRC=$REPO/tests/preload/emptypath.c DYN=$REPO/build/tests/emptypath
A=$T/A U=$T/U BIN=$T/bin
mkdir -p "$A/sub" "$BIN"
chmod 755 "$T"

tap_plan 10

if [ ! -x "$REPO/build/unionenv-supervise" ] || [ ! -x "$DYN" ] ||
   ! cc -static -O2 -o "$BIN/emptypath" "$SRC" 2>/dev/null; then
    for i in $(seq 10); do tap_skip "supervisor-emptypath $i" "no unionenv-supervise or no static C library"; done
    tap_done; exit $?
fi
for f in own-ro own-path time-ro time-path mode-ro mode-path link-ro link-path; do
    echo "$f" >"$A/sub/$f"
done
chmod 644 "$A"/sub/*
touch -d @500 "$A"/sub/* "$A/sub"
cp "$BIN/emptypath" "$A/sub/prog"
chmod 755 "$A/sub" "$A/sub/prog"
lowers_remember "$A"

WANT=$(cat <<'WANT'
fchownat(fd, "", AT_EMPTY_PATH): ok
  own-ro owned by the new owner: yes
fchownat(O_PATH fd, "", AT_EMPTY_PATH): ok
  own-path owned by the new owner: yes
utimensat(fd, "", AT_EMPTY_PATH): ok
  time-ro mtime 1000
utimensat(O_PATH fd, "", AT_EMPTY_PATH): ok
  time-path mtime 2000
fchmodat2(fd, "", 0600, AT_EMPTY_PATH): ok
  mode-ro mode 600
fchmodat2(O_PATH fd, "", 0604, AT_EMPTY_PATH): ok
  mode-path mode 604
linkat(fd, "", "link-ro.new", AT_EMPTY_PATH): ok
  link-ro and link-ro.new one file: yes, links 2
  link-ro holds "link-ro"
linkat(O_PATH fd, "", "link-path.new", AT_EMPTY_PATH): ok
  link-path and link-path.new one file: yes, links 2
  link-path holds "link-path"
  fstatat(fd, "", AT_EMPTY_PATH) as stat("mode-ro"): ino same, mode same, mtime same
  statx(fd, "", AT_EMPTY_PATH) as stat("mode-ro"): ino same, mode same, mtime same
  fstatat(O_PATH fd, "", AT_EMPTY_PATH) as stat("mode-path"): ino same, mode same, mtime same
  statx(O_PATH fd, "", AT_EMPTY_PATH) as stat("mode-path"): ino same, mode same, mtime same
ran fd
  status 0
ran O_PATH fd
  status 0
fchownat(AT_FDCWD, "", AT_EMPTY_PATH): ok
  . owned by the new owner: yes
utimensat(AT_FDCWD, "", AT_EMPTY_PATH): ok
  . mtime 1000
fchmodat2(AT_FDCWD, "", 0705, AT_EMPTY_PATH): ok
  . mode 705
linkat(AT_FDCWD, "", "cwd.new", AT_EMPTY_PATH): EPERM
  fstatat(AT_FDCWD, "", AT_EMPTY_PATH) as stat("."): ino same, mode same, mtime same
  statx(AT_FDCWD, "", AT_EMPTY_PATH) as stat("."): ino same, mode same, mtime same
execveat(AT_FDCWD, "", AT_EMPTY_PATH): EACCES
  status 1
WANT
)

# run SIDE: the cases in a fresh union (static, preload, supervise, gate)
# or on the kernel's overlayfs, from sub/.
run() {
    local k=$T/k
    rm -rf "$U"
    case $1 in
    static) (cd "$A/sub" && union --lower "$A" --upper "$U" -- "$BIN/emptypath" 2>&1) ;;
    preload) (unset UNIONENV_SUPERVISE; cd "$A/sub" && union --lower "$A" --upper "$U" -- "$DYN" 2>&1) ;;
    supervise) (cd "$A/sub" && union --supervise --lower "$A" --upper "$U" -- "$DYN" 2>&1) ;;
    gate) (cd "$A/sub" && UNIONENV_SUPERVISE=preload union --lower "$A" --upper "$U" -- "$DYN" 2>&1) ;;
    kernel)
        rm -rf "$k" && mkdir -p "$k/u" "$k/w" && cp -a "$A" "$k/l" || return 1
        mount -t overlay overlay -o "userxattr,lowerdir=$k/l,upperdir=$k/u,workdir=$k/w" "$k/l" || return 1
        (cd "$k/l/sub" && "$BIN/emptypath" 2>&1)
        umount "$k/l"
        ;;
    esac
}

for side in static preload supervise gate; do
    tap_is "the AT_EMPTY_PATH forms, $side" "$WANT" "$(run $side)"
    lowers_unchanged "the AT_EMPTY_PATH forms, $side"
done
if can_mount_overlay; then
    tap_is "the kernel's overlayfs prints the same" "$WANT" "$(run kernel)"
else
    tap_skip "the kernel's overlayfs prints the same" "$ORACLE_SKIP_REASON"
fi
lowers_unchanged "all"
tap_done
