#!/usr/bin/env bash
# Raw system calls made through glibc's syscall() (preload/rawcall.c), as
# node's libuv makes its statx (issue 11): build/tests/rawcalls does its
# everyday file work with syscall() only, in a plain union (no option), as
# the command and from bash and make inside the union.  Its output is the
# kernel overlayfs's on the same layers where root can mount; the lowers
# are unchanged after each run; io_uring is refused (ENOSYS) in a union.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init rawcalls

RAW=$REPO/build/tests/rawcalls
tap_plan 8


# The kernel's answer, or the union's own first run where root cannot mount.
two_lowers kernel
KERNEL=
if can_mount_overlay; then
    K=$T/kernel
    mount_overlay "$K/A:$K/B" "$K/U" "$K/W" "$K/M" && KERNEL=$("$RAW" "$K/M" 2>&1)
    umount_overlay "$K/M"
else
    echo "# SKIP the comparison with the kernel's overlayfs: $ORACLE_SKIP_REASON"
fi

# run LABEL HOW: HOW is "command", "bash" or "make"
run() {
    local label=$1 how=$2 d=$T/$2 out
    two_lowers "$how"
    lowers_remember "$d/A" "$d/B"
    case $how in
    command) out=$(union --lower "$d/A:$d/B" --upper "$d/U" -- "$RAW" "$d/A" 2>&1) ;;
    bash) out=$(union --lower "$d/A:$d/B" --upper "$d/U" -- bash -c '"$1" "$2"; true' sh "$RAW" "$d/A" 2>&1) ;;
    make)
        printf 'all:\n\t@%s %s\n' "$RAW" "$d/A" >"$T/Makefile.raw"
        out=$(union --lower "$d/A:$d/B" --upper "$d/U" -- make -s -f "$T/Makefile.raw" 2>&1)
        ;;
    esac
    if [ -n "$KERNEL" ]; then
        if [ "$out" = "$KERNEL" ]; then tap_ok "$label: the same results as on the kernel's overlayfs"; else
            tap_not_ok "$label: the same results as on the kernel's overlayfs"
            diff <(printf '%s\n' "$KERNEL") <(printf '%s\n' "$out") | head -n 30 | tap_diag
        fi
    else
        # No kernel to ask: what the steps must give in any union.
        local want='append: 5
statx size: 13
newfstatat size: 13
mkdir: 0
mkdir again: File exists'
        if [ "${out:0:${#want}}" = "$want" ] && grep -qx 'list \.: d file gone nd newfile' <<<"$out" &&
            grep -qx 'getcwd: /nd' <<<"$out" && grep -qx 'statx relative to the new cwd: 1' <<<"$out"; then
            tap_ok "$label: raw calls see the union (# no kernel oracle: $ORACLE_SKIP_REASON)"
        else
            tap_not_ok "$label: raw calls see the union" "$out"
        fi
    fi
    lowers_unchanged "raw calls, $label"
}

run "syscall() as the command" command
run "syscall() from bash in the union" bash
run "syscall() from make in the union" make

two_lowers uring
lowers_remember "$T/uring/A" "$T/uring/B"
out=$(union --lower "$T/uring/A:$T/uring/B" --upper "$T/uring/U" -- "$RAW" "$T/uring/A" --io-uring 2>&1)
tap_is "io_uring_setup through syscall() is refused in a union (libuv falls back)" \
    "io_uring_setup: Function not implemented" "$out"
lowers_unchanged "io_uring_setup"
tap_done
