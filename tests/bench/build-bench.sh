#!/bin/bash
# build-bench.sh - the build of issue 2 item 1 (the generated C project,
# BENCH_NFILES modules, default 400) timed natively in a plain merged copy,
# on a kernel overlayfs mount (root only) and under unionenv, in one run:
#   * full `make -j2` (fresh upper each time; median of BENCH_RUNS, default 3)
#   * no-op `make` (median of 5), timed inside the union (no launcher cost)
#   * `unionenv -- make` no-op, timed from outside (launcher included)
#   * launcher start-up: `unionenv -- true` (median of 5), and the
#     launcher's check of the command alone
#   * the no-op `make` in a whole-root union (`--lower /`)
# Prints a table with the ratios to native.  No assertions.
#   env: BENCH_NFILES, BENCH_RUNS, UNION_CMD, KEEP_TMP
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init bench

NFILES=${BENCH_NFILES:-400}
RUNS=${BENCH_RUNS:-3}
NOOP=5
TIMEIT=$REPO/tests/bench/timeit
A=$T/A B=$T/B P=$T/P

"$REPO/tests/sample/gen-project.sh" "$A" "$B" "$NFILES" || exit 1
merged_copy "$A:$B" "$P" || exit 1
KERNEL=0
if can_mount_overlay; then KERNEL=1; else echo "# SKIP kernel overlayfs column: $ORACLE_SKIP_REASON"; fi

# median of the lines on stdin; FAIL when any is FAIL
median() { sort -n | awk '$1 == "FAIL" {f = 1} {v[NR] = $1} END {if (f || !NR) print "FAIL"; else print v[int((NR + 1) / 2)]}'; }

# full build, native: make clean between runs
full_native() {
    local i t
    for ((i = 0; i < RUNS; i++)); do
        make -C "$P" clean >/dev/null 2>&1
        t=$(cd "$P" && "$TIMEIT" 1 make -j2) || t=FAIL
        echo "$t"
    done | median
}
full_kernel() {
    local i t
    for ((i = 0; i < RUNS; i++)); do
        rm -rf "$T/KU" "$T/KW"
        mount_overlay "$A:$B" "$T/KU" "$T/KW" "$T/K" || { echo FAIL; return; }
        t=$(cd "$T/K" && "$TIMEIT" 1 make -j2) || t=FAIL
        echo "$t"
        [ "$t" = FAIL ] || [ $i -eq $((RUNS - 1)) ] || umount_overlay "$T/K"
    done | median
}
full_union() {
    local i t
    for ((i = 0; i < RUNS; i++)); do
        rm -rf "$T/U"
        t=$(cd "$A" && TIMEIT_LOG=$T/union-build.log union --lower .:../B --upper ../U -- "$TIMEIT" 1 make -j2) || t=FAIL
        echo "$t"
    done | median
}

ln_native=$(full_native)
noop_native=$(cd "$P" && "$TIMEIT" $NOOP make) || noop_native=FAIL
true_native=$("$TIMEIT" $NOOP /bin/true) || true_native=FAIL

ln_kernel=- noop_kernel=-
if [ $KERNEL = 1 ]; then
    ln_kernel=$(full_kernel)
    noop_kernel=$(cd "$T/K" && "$TIMEIT" $NOOP make) || noop_kernel=FAIL
    umount_overlay "$T/K" 2>/dev/null
fi

ln_union=$(full_union)
noop_union=$(cd "$A" && union --lower .:../B --upper ../U -- "$TIMEIT" $NOOP make) || noop_union=FAIL
noop_launch=$(cd "$A" && "$TIMEIT" $NOOP "$UNION_CMD" --lower .:../B --upper ../U -- make) || noop_launch=FAIL
true_union=$(cd "$A" && "$TIMEIT" $NOOP "$UNION_CMD" --lower .:../B --upper ../U -- /bin/true) || true_union=FAIL
# The launcher's look at the command (one process of its own), beside a
# process that does nothing.
check_union=$("$TIMEIT" $NOOP "$REPO/build/unionenv-check" --launch --lower "$A:$B" --upper "$T/U" -- make) ||
    check_union=FAIL
# DESIGN use case 4: the same no-op build in a union over the whole root.
noop_root=$(cd "$P" && union --lower / --upper "$T/R" -- "$TIMEIT" $NOOP make) || noop_root=FAIL

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || a == 0) print "-"; else printf "%.2fx", b / a }'
}
row() {  # task native kernel union
    printf '%-40s %10s %10s %10s %10s %10s\n' "$1" "$2" "$3" "$4" "$(ratio "$2" "$4")" "$(ratio "$2" "$3")"
}

echo
echo "unionenv build benchmark: $NFILES modules, make -j2, $(nproc) CPUs, $(uname -r)"
echo "times in seconds (median); ratios are to native; '-' = not measured"
printf '%-40s %10s %10s %10s %10s %10s\n' task native kernel unionenv ue/native kern/nat
row "full build: make -j2 (median of $RUNS)" "$ln_native" "$ln_kernel" "$ln_union"
row "no-op make (median of $NOOP)" "$noop_native" "$noop_kernel" "$noop_union"
row "no-op: unionenv -- make (with launcher)" "$noop_native" "-" "$noop_launch"
row "start-up: unionenv -- true" "$true_native" "-" "$true_union"
row "the launcher's check of the command" "$true_native" "-" "$check_union"
row "no-op make, union over / (--lower /)" "$noop_native" "-" "$noop_root"
if [ "$ln_union" = FAIL ] && [ -s "$T/union-build.log" ]; then
    echo "full build under unionenv failed; last lines of its output:"
    tail -n 15 "$T/union-build.log" | sed 's/^/    /'
fi
