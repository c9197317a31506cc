#!/usr/bin/env bash
# Fifos in the union.  Under the supervisor (--supervise) an open of a
# fifo waits for the other end, and the supervisor must not wait in the
# caller's place, or two readers of two fifos hold both workers and the
# writers are never served (the tree hung, 1 worker or 2): the kernel
# makes such an open itself, in the caller (supervisor/serve_open.c).
# Under the preload and the supervisor alike, a lower's fifo is brought up
# at its first open, so that its times, which each read and write set,
# stay as they were in the lower (core/ops.c).  Fifos of the first lower
# (the mount's own path), of the second lower and of the upper (made in
# the union), each run bounded; the same script on a kernel overlayfs
# mount where root permits.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
. "$REPO/tests/lib/oracle.sh"
scenario_init fifos

A=$T/A B=$T/B
mkdir -p "$A/d" "$B/d"
mkfifo "$A/pa" "$B/d/pb"
echo base >"$A/file"
lowers_remember "$A" "$B"

tap_plan 12

# Two readers wait first, then the writers come; then a fifo made in the
# union.  What the readers got, in order.
SCRIPT='
cat pa >out.a & cat d/pb >out.b &
sleep 0.3
echo a >pa; echo b >d/pb
wait
mkfifo d/q
cat d/q >out.q &
sleep 0.2
echo q >d/q
wait
cat out.a out.b out.q | tr "\n" " "'
WANT="a b q "

# The preload, and the supervisor with one worker and with two.
U=$T/Upreload
mkdir -p "$U"
got=$(cd "$A" && UNION_TIMEOUT=30 union --lower "$A:$B" --upper "$U" -- sh -c "$SCRIPT" 2>"$T/err")
tap_is "the preload: two readers of two fifos, then a fifo made in the union" "$WANT" "$got"
tap_check "the preload: the lowers' fifos were brought up, the new one made, in the upper" \
    test -p "$U/pa" -a -p "$U/d/pb" -a -p "$U/d/q"
lowers_unchanged "the preload's fifos"
for workers in 1 2; do
    U=$T/U$workers
    mkdir -p "$U"
    got=$(cd "$A" && UNIONENV_SUPERVISE_THREADS=$workers UNION_TIMEOUT=30 \
        union --lower "$A:$B" --upper "$U" --supervise -- sh -c "$SCRIPT" 2>"$T/err")
    st=$?
    tap_is "the supervisor, $workers worker(s): two readers of two fifos, then a fifo made in the union (status $st)" \
        "$WANT" "$got"
    tap_check "the supervisor, $workers worker(s): the lowers' fifos were brought up, the new one made, in the upper" \
        test -p "$U/pa" -a -p "$U/d/pb" -a -p "$U/d/q"
    lowers_unchanged "the supervisor's fifos, $workers worker(s)"
done

if can_mount_overlay; then
    M=$T/mnt
    mount_overlay "$A:$B" "$T/KU" "$T/KW" "$M" || exit 1
    got=$(cd "$M" && timeout -k 5 30 sh -c "$SCRIPT")
    umount_overlay "$M"
    tap_is "kernel overlayfs: the same script gives the same" "$WANT" "$got"
    tap_check "kernel overlayfs: its fifo is in its upper too" test -p "$T/KU/d/q"
else
    tap_skip "kernel overlayfs: the same script gives the same" "$ORACLE_SKIP_REASON"
    tap_skip "kernel overlayfs: its fifo is in its upper too" "$ORACLE_SKIP_REASON"
fi
tap_check "the lowers' fifos are still fifos" test -p "$A/pa" -a -p "$B/d/pb"
