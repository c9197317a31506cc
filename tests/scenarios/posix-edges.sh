#!/usr/bin/env bash
# posix-edges.sh - issue 9: the cases pjdfstest found, run as a program of
# our own (tests/preload/edges.c) from a directory that a lower holds:
# bad path pointers (EFAULT, never a crash), chown(-1, -1) by a non-owner,
# AF_UNIX bind/connect of relative names whose real path passes the
# 108-byte sun_path limit, or where the upper holds a whiteout.  Each case prints what the kernel prints (the
# expectations below; as root the kernel's overlayfs is asked too); the
# lowers never change.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init posix-edges

EDGES=$REPO/build/tests/edges
A=$T/A U=$T/U
chmod 755 "$T"  # uid 65534 searches the layers (chown-noop)
mkdir -p "$A/sub"
echo f >"$A/sub/was-a-file"
lowers_remember "$A"

KERNEL=
if can_mount_overlay; then KERNEL=yes; fi

# run_in SIDE ARGS...: edges ARGS in a fresh union (SIDE union) or kernel
# overlayfs mount (SIDE kernel) of a fresh copy of the layers, from sub/.
run_in() {
    local side=$1 k=$T/k
    shift
    if [ "$side" = union ]; then
        rm -rf "$U"
        (cd "$A/sub" && union --lower "$A" --upper "$U" -- "$EDGES" "$@" 2>&1)
    else
        rm -rf "$k" && mkdir -p "$k/u" "$k/w" && cp -a "$A" "$k/l" || return 1
        mount -t overlay overlay -o "userxattr,lowerdir=$k/l,upperdir=$k/u,workdir=$k/w" "$k/l" || return 1
        (cd "$k/l/sub" && "$EDGES" "$@" 2>&1)
        umount "$k/l"
    fi
}

# check DESC WANT ARGS...: the union prints WANT, and so does the kernel.
check() {
    local desc=$1 want=$2 got
    shift 2
    got=$(run_in union "$@")
    if [ "$got" = "$want" ]; then tap_ok "$desc"; else
        tap_not_ok "$desc"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -n 20 | tap_diag
    fi
    if [ -z "$KERNEL" ]; then
        tap_skip "$desc: the kernel prints the same" "$ORACLE_SKIP_REASON"
    else
        tap_is "$desc: the kernel prints the same" "$want" "$(run_in kernel "$@")"
    fi
    lowers_unchanged "$desc"
}

tap_plan 18

EFAULT_WANT=$(cat <<'WANT'
open(p, O_RDONLY) NULL: EFAULT
open(p, O_CREAT | O_WRONLY, 0644) NULL: EFAULT
openat(AT_FDCWD, p, O_RDONLY) NULL: EFAULT
creat(p, 0644) NULL: EFAULT
stat(p, &st) NULL: EFAULT
lstat(p, &st) NULL: EFAULT
fstatat(AT_FDCWD, p, &st, 0) NULL: EFAULT
access(p, F_OK) NULL: EFAULT
chmod(p, 0644) NULL: EFAULT
chown(p, 0, 0) NULL: EFAULT
lchown(p, 0, 0) NULL: EFAULT
truncate(p, 1) NULL: EFAULT
mkdir(p, 0755) NULL: EFAULT
rmdir(p) NULL: EFAULT
unlink(p) NULL: EFAULT
mkfifo(p, 0644) NULL: EFAULT
mknod(p, S_IFIFO | 0644, 0) NULL: EFAULT
readlink(p, buf, sizeof buf) NULL: EFAULT
utimensat(AT_FDCWD, p, NULL, 0) NULL: EINVAL
chdir(p) NULL: EFAULT
rename(p, "efile") NULL: EFAULT
rename("efile", p) NULL: EFAULT
rename("missing/x", p) NULL: ENOENT
link(p, "elink") NULL: EFAULT
link("efile", p) NULL: EFAULT
link("missing", p) NULL: ENOENT
symlink(p, "esym") NULL: EFAULT
symlink("efile", p) NULL: EFAULT
symlink(p, p) NULL: EFAULT
open(p, O_RDONLY) DEADCODE: EFAULT
open(p, O_CREAT | O_WRONLY, 0644) DEADCODE: EFAULT
openat(AT_FDCWD, p, O_RDONLY) DEADCODE: EFAULT
creat(p, 0644) DEADCODE: EFAULT
stat(p, &st) DEADCODE: EFAULT
lstat(p, &st) DEADCODE: EFAULT
fstatat(AT_FDCWD, p, &st, 0) DEADCODE: EFAULT
access(p, F_OK) DEADCODE: EFAULT
chmod(p, 0644) DEADCODE: EFAULT
chown(p, 0, 0) DEADCODE: EFAULT
lchown(p, 0, 0) DEADCODE: EFAULT
truncate(p, 1) DEADCODE: EFAULT
mkdir(p, 0755) DEADCODE: EFAULT
rmdir(p) DEADCODE: EFAULT
unlink(p) DEADCODE: EFAULT
mkfifo(p, 0644) DEADCODE: EFAULT
mknod(p, S_IFIFO | 0644, 0) DEADCODE: EFAULT
readlink(p, buf, sizeof buf) DEADCODE: EFAULT
utimensat(AT_FDCWD, p, NULL, 0) DEADCODE: EFAULT
chdir(p) DEADCODE: EFAULT
rename(p, "efile") DEADCODE: EFAULT
rename("efile", p) DEADCODE: EFAULT
rename("missing/x", p) DEADCODE: ENOENT
link(p, "elink") DEADCODE: EFAULT
link("efile", p) DEADCODE: EFAULT
link("missing", p) DEADCODE: ENOENT
symlink(p, "esym") DEADCODE: EFAULT
symlink("efile", p) DEADCODE: EFAULT
symlink(p, p) DEADCODE: EFAULT
efile still there: ok
no esym: ENOENT
WANT
)
check "a NULL or unmapped path pointer is EFAULT, as the kernel says, in every call" "$EFAULT_WANT" efault

SOCK_WANT=$(cat <<'WANT'
bind a 100-byte relative name: ok
listen: ok
connect a 100-byte relative name: ok
accept: ok
send: ok
receive: ok
the socket's file is a socket: ok
bind a 100-byte relative name again: EADDRINUSE
unlink it: ok
mkdir k: ok
bind k/ and a 90-byte name: ok
listen: ok
connect k/ and a 90-byte name: ok
accept: ok
send: ok
receive: ok
the socket's file is a socket: ok
bind k/ and a 90-byte name again: EADDRINUSE
bind an absolute name: ok
listen: ok
connect an absolute name: ok
accept: ok
send: ok
receive: ok
the socket's file is a socket: ok
bind an absolute name again: EADDRINUSE
unlink was-a-file: ok
bind over a whiteout: ok
listen: ok
connect over a whiteout: ok
accept: ok
send: ok
receive: ok
the socket's file is a socket: ok
bind over a whiteout again: EADDRINUSE
getcwd: ok
the current directory stayed: yes
WANT
)
check "bind and connect of relative names too long for sun_path once the upper is glued in front" "$SOCK_WANT" unixsock

check "fchownat and utimensat of \"\" with AT_EMPTY_PATH act on the fd (O_PATH too) or the cwd: a lower's file is copied up" \
    "$(printf '%s\n' 'utimensat(fd, "", AT_EMPTY_PATH): ok' 'mtime through the name: 1' \
        'fchownat(O_PATH fd, "", AT_EMPTY_PATH) to self: ok' 'utimensat(O_PATH fd, "", AT_EMPTY_PATH): ok' \
        'mtime through the name: 2' 'utimensat(AT_FDCWD, "", AT_EMPTY_PATH): ok' 'mtime of .: 1')" empty-path

# linkat of a lower's file by its fd: the copy-up is linked, never the
# lower's inode (lowers_unchanged sees its link count and ctime); into a
# directory outside the union, EXDEV.
mkdir -p "$T/outside"
check "linkat(fd, \"\", AT_EMPTY_PATH) of a lower's file links its copy-up (a write through the new name leaves the lower alone); outside the union: EXDEV" \
    "$(printf '%s\n' 'linkat(fd, "", AT_EMPTY_PATH) outside: EXDEV' 'linkat(fd, "", AT_EMPTY_PATH): ok' \
        'one file: yes' 'links: 2' 'write through the new name: ok' 'content through the old name: f|g|' \
        'linkat(O_PATH fd, "", AT_EMPTY_PATH): ok' 'content through its new name: f|g|')" empty-link "$T/outside"

check "a change through an fd on a lower's file the union has since removed: EEXIST, as the kernel (it changed the lower)" \
    "$(printf '%s\n' 'open: ok' 'unlink: ok' 'fchmod: EEXIST' 'futimens: EEXIST' 'fchown to self: EEXIST' \
        'fsetxattr: EEXIST' 'mode through the fd: 644')" orphan was-a-file

# chown(-1, -1) changes nothing, so anyone may: a file root made, by uid
# 65534.
if [ "$(id -u)" = 0 ]; then
    check "chown and lchown to -1, -1 by a non-owner succeed; a real change is EPERM" \
        "$(printf '%s\n' 'chown -1 -1 by a non-owner: ok' 'lchown -1 -1 by a non-owner: ok' \
            'chown to self by a non-owner: EPERM' 'chgrp by a non-owner: EPERM')" chown-noop rootfile
else
    for i in 1 2 3; do tap_skip "chown(-1, -1) by a non-owner" "needs root to make a file of another user"; done
fi
tap_done
