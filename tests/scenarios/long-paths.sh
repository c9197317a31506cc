#!/usr/bin/env bash
# long-paths.sh - issue 9 (pjdfstest's */03 cases): every path the kernel
# accepts works in the union, also where the union's name for it or its
# real name in a layer is longer than PATH_MAX.  A program in a directory a
# lower holds names a file PATH_MAX - 1 bytes further down (tests/preload/
# edges.c longpath); a lower already holds such a chain with a file at its
# end, which the union copies up, whites out and makes again, and a program
# works in a current directory deeper than PATH_MAX (edges longlower).  Each
# run prints one line per call, compared with the kernel's overlayfs over
# the same layers where root can mount; the lowers never change, under the
# preload and under the supervisor.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init long-paths

EDGES=$REPO/build/tests/edges
KERNEL=
if can_mount_overlay; then KERNEL=yes; fi

# layers DIR: a lower with an empty directory "new" and, under "sub", the
# chain that edges longtree makes.
layers() {
    mkdir -p "$1/new" "$1/sub" && (cd "$1/sub" && "$EDGES" longtree)
}

A=$T/A
layers "$A" || { echo "Bail out! cannot make the long chain natively"; exit 1; }

# The lower's state: a listing (find walks any depth) and the content of
# the file at the chain's end, reached one level at a time (a path to it
# is too long for sha256sum).
lower_state() {
    (
        cd "$1" || exit 1
        find . -printf '%p %y %m %s %T@ %C@ %n\n' | LC_ALL=C sort
        cd sub || exit 1
        while [ -d "$(printf 'd%.0s' {1..200})" ]; do cd "$(printf 'd%.0s' {1..200})" || exit 1; done
        cat ./f*
    )
}
BEFORE=$(lower_state "$A")

lower_check() {
    local now
    now=$(lower_state "$A")
    if [ "$now" = "$BEFORE" ]; then tap_ok "lowers unchanged after $1"; else
        tap_not_ok "lowers unchanged after $1"
        diff <(printf '%s\n' "$BEFORE") <(printf '%s\n' "$now") | cut -c1-200 | head -n 10 | tap_diag
    fi
}

# run_in SIDE DIR ARGS...: edges ARGS from DIR of a fresh union (SIDE union
# or supervised) or of a kernel overlayfs mount over a lower made alike.
run_in() {
    local side=$1 dir=$2 k=$T/k
    shift 2
    case $side in
    union)
        rm -rf "$T/U"
        (cd "$A/$dir" && union --lower "$A" --upper "$T/U" -- "$EDGES" "$@" 2>&1) ;;
    supervised)
        rm -rf "$T/U"
        (cd "$A/$dir" && union --supervise --lower "$A" --upper "$T/U" -- "$EDGES" "$@" 2>&1) ;;
    kernel)
        rm -rf "$k" && mkdir -p "$k/u" "$k/w" && layers "$k/l" || return 1
        mount -t overlay overlay -o "userxattr,lowerdir=$k/l,upperdir=$k/u,workdir=$k/w" "$k/l" || return 1
        (cd "$k/l/$dir" && "$EDGES" "$@" 2>&1)
        umount "$k/l"
        rm -rf "$k" ;;
    esac
}

SUPERVISOR=
[ -x "$REPO/build/unionenv-supervise" ] && run_in supervised new longpath >/dev/null 2>&1 && SUPERVISOR=yes

# check DESC WANT DIR ARGS...: the union prints WANT, supervised too, and
# so does the kernel.
check() {
    local desc=$1 want=$2 got
    shift 2
    for side in union supervised; do
        if [ $side = supervised ] && [ -z "$SUPERVISOR" ]; then
            tap_skip "$desc (supervised)" "the supervisor cannot run here"
            continue
        fi
        got=$(run_in $side "$@")
        if [ "$got" = "$want" ]; then tap_ok "$desc ($side)"; else
            tap_not_ok "$desc ($side)"
            diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -n 20 | tap_diag
        fi
        lower_check "$desc ($side)"
    done
    if [ -z "$KERNEL" ]; then
        tap_skip "$desc: the kernel prints the same" "$ORACLE_SKIP_REASON"
    else
        tap_is "$desc: the kernel prints the same" "$want" "$(run_in kernel "$@")"
    fi
}

tap_plan 11

LONGPATH_WANT=$(cat <<'WANT'
levels 20, path length 4095, last name 75
create: ok
stat: ok
chmod: ok
chown: ok
truncate: ok
utimensat: ok
access: ok
open: ok
link: ok
unlink the link: ok
rename: ok
rename back: ok
symlink: ok
readlink: ok
unlink the symlink: ok
mkfifo: ok
unlink the fifo: ok
mkdir: ok
rmdir: ok
unlink: ok
a name of PATH_MAX bytes: ENAMETOOLONG
WANT
)
check "a relative path of PATH_MAX - 1 bytes from a lower's directory works; PATH_MAX bytes is ENAMETOOLONG" \
    "$LONGPATH_WANT" new longpath

LONGLOWER_WANT=$(cat <<'WANT'
stat: ok
size 6
open for append: ok
append: ok
content: lower|upper|
chmod: ok
stat: ok
mode 600 size 12
unlink: ok
stat after unlink: ENOENT
create again: ok
content: 
unlink: ok
chdir to the deepest level: ok
create there: ok
write: ok
content: deep|
rename there: ok
stat the old name: ENOENT
mkdir there: ok
chdir into it: ok
stat ../there: ok
chdir ..: ok
rmdir: ok
unlink: ok
WANT
)
check "a lower's file at PATH_MAX - 1 bytes is copied up, whited out and made again; a current directory deeper than PATH_MAX works" \
    "$LONGLOWER_WANT" sub longlower

# The upper the kernel reads: what the union left is what a kernel mount
# shows (the deep file gone, the chain copied up).
if [ -n "$KERNEL" ]; then
    run_in union sub longlower >/dev/null
    mkdir -p "$T/w" "$T/m"
    if mount -t overlay overlay -o "userxattr,lowerdir=$A,upperdir=$T/U,workdir=$T/w" "$T/m"; then
        got=$( (cd "$T/m/sub" && while [ -d "$(printf 'd%.0s' {1..200})" ]; do cd "$(printf 'd%.0s' {1..200})" || exit 1; done; ls -A) )
        umount "$T/m"
        tap_is "the kernel reads the union's upper: the deepest directory is empty" "" "$got"
    else
        tap_not_ok "the kernel reads the union's upper: cannot mount it"
    fi
else
    tap_skip "the kernel reads the union's upper" "$ORACLE_SKIP_REASON"
fi
tap_done
