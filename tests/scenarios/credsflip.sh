#!/usr/bin/env bash
# credsflip.sh - issue 12: the preload keeps the effective ids and groups
# its permission checks are made for (core/caller.h) until a set*id call,
# setgroups or syscall() of those numbers says they changed.  A root
# process changes them back and forth and removes names whose permission
# the union decides by itself; it prints what the kernel's overlayfs
# prints (asked too).  Root only: nothing else may change its ids so.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init credsflip

tap_plan 4
if [ "$(id -u)" != 0 ]; then
    for i in 1 2 3 4; do tap_skip "credentials changed under a process ($i)" "needs root (seteuid, setgroups)"; done
    tap_done
    exit
fi
chmod 755 "$T"
A=$T/A U=$T/U
for d in r0 r1 r2 r3; do mkdir -p "$A/$d" && touch "$A/$d/f"; done
for d in g1 g2; do mkdir -p "$A/$d" && touch "$A/$d/f" && chgrp 4242 "$A/$d" && chmod 775 "$A/$d"; done
lowers_remember "$A"

WANT="root: unlink r0/f: done
seteuid(65534): unlink r1/f: Permission denied
syscall setresuid(-1, 0, -1): unlink r2/f: done
syscall setresuid(-1, 65534, -1): unlink r3/f: Permission denied
in group 4242: unlink g1/f: done
in no group: unlink g2/f: Permission denied"

mkdir -p "$U" && chown 65534 "$U"
got=$(cd "$A" && union --lower "$A" --upper "$U" -- "$REPO/build/tests/credsflip" 2>&1)
tap_is "credentials changed under a process: each check made for the ones it has" "$WANT" "$got"
lowers_unchanged "credentials changed"

if can_mount_overlay; then
    k=$T/k
    mkdir -p "$k/u" "$k/w" "$k/m"
    if mount_overlay "$A" "$k/u" "$k/w" "$k/m"; then
        got=$(cd "$k/m" && "$REPO/build/tests/credsflip" 2>&1)
        umount "$k/m"
        tap_is "the kernel prints the same" "$WANT" "$got"
    else
        tap_not_ok "the kernel prints the same" "mount failed"
    fi
else
    tap_skip "the kernel prints the same" "$ORACLE_SKIP_REASON"
fi
lowers_unchanged "the kernel's run"
tap_done
