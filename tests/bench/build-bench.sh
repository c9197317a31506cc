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
#   * the full build and the no-op `make` with the whole tree filtered:
#     `--supervise` (every path system call served by the supervisor) and
#     UNIONENV_SUPERVISE=preload (the preload kept, its own calls let
#     through by the gate), the figures that decide whether whole-tree
#     filtering can be the default (goal: within 1.10x of the preload
#     alone; docs/design.md)
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

full_supervised() {  # full_supervised 1|preload
    local i t
    for ((i = 0; i < RUNS; i++)); do
        rm -rf "$T/U"
        t=$(cd "$A" && TIMEIT_LOG=$T/union-build.log UNIONENV_SUPERVISE=$1 union --lower .:../B --upper ../U -- "$TIMEIT" 1 make -j2) || t=FAIL
        echo "$t"
    done | median
}

# cpu_build [UNIONENV_SUPERVISE value | native]: user + system seconds of
# one full build and everything it ran, the supervisor included (its
# waited children's rusage): unlike the wall clock, not inflated by other
# work on the machine.
cpu_build() {
    local dir=$A
    if [ "$1" = native ]; then
        make -C "$P" clean >/dev/null 2>&1
        dir=$P
    fi
    rm -rf "$T/U"
    (cd "$dir" && python3 -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.2f" % (u.ru_utime + u.ru_stime) if r.returncode == 0 else "FAIL")' \
        $([ "$1" = native ] || echo env UNIONENV_SUPERVISE="$1" "$UNION_CMD" --lower .:../B --upper ../U --) make -j2)
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
ln_sv=$(full_supervised 1)
noop_sv=$(cd "$A" && union --lower .:../B --upper ../U --supervise -- "$TIMEIT" $NOOP make) || noop_sv=FAIL
ln_gate=$(full_supervised preload)
noop_gate=$(cd "$A" && UNIONENV_SUPERVISE=preload union --lower .:../B --upper ../U -- "$TIMEIT" $NOOP make) ||
    noop_gate=FAIL
cpu_native=$(cpu_build native)
cpu_union=$(cpu_build 0)
cpu_sv=$(cpu_build 1)
cpu_gate=$(cpu_build preload)
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
row "full build, whole tree supervised" "$ln_native" "-" "$ln_sv"
row "no-op make, whole tree supervised" "$noop_native" "-" "$noop_sv"
row "full build, filtered, preload kept" "$ln_native" "-" "$ln_gate"
row "no-op make, filtered, preload kept" "$noop_native" "-" "$noop_gate"
echo "whole tree supervised / preload alone: full build $(ratio "$ln_union" "$ln_sv"), no-op make $(ratio "$noop_union" "$noop_sv")"
echo "filtered, preload kept / preload alone: full build $(ratio "$ln_union" "$ln_gate"), no-op make $(ratio "$noop_union" "$noop_gate")"
echo
echo "CPU seconds of one full build, every process (the supervisor included): load-proof"
printf '%-40s %10s %10s\n' mode cpu ue/preload
printf '%-40s %10s %10s\n' "native" "$cpu_native" "-"
printf '%-40s %10s %10s\n' "preload alone" "$cpu_union" "1.00x"
printf '%-40s %10s %10s\n' "whole tree supervised" "$cpu_sv" "$(ratio "$cpu_union" "$cpu_sv")"
printf '%-40s %10s %10s\n' "filtered, preload kept (gate)" "$cpu_gate" "$(ratio "$cpu_union" "$cpu_gate")"
if [ "$ln_union" = FAIL ] && [ -s "$T/union-build.log" ]; then
    echo "full build under unionenv failed; last lines of its output:"
    tail -n 15 "$T/union-build.log" | sed 's/^/    /'
fi
