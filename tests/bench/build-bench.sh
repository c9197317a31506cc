#!/bin/bash
# build-bench.sh - the build of issue 2 item 1 (the generated C project,
# BENCH_NFILES modules, default 400) timed natively in a plain merged copy,
# on a kernel overlayfs mount (root only) and under unionenv, in one run:
#   * full `make -j2` (fresh upper each time; median of BENCH_RUNS, default 3,
#     native, kernel and union in turns)
#   * no-op `make` (median of 9, native, kernel and union in turns), timed
#     inside the union (no launcher cost)
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
NOOP=9
TIMEIT=$REPO/tests/bench/timeit
A=$T/A B=$T/B P=$T/P

"$REPO/tests/sample/gen-project.sh" "$A" "$B" "$NFILES" || exit 1
merged_copy "$A:$B" "$P" || exit 1
KERNEL=0
if can_mount_overlay; then KERNEL=1; else echo "# SKIP kernel overlayfs column: $ORACLE_SKIP_REASON"; fi

# median of the lines on stdin; FAIL when any is FAIL
median() { sort -n | awk '$1 == "FAIL" {f = 1} {v[NR] = $1} END {if (f || !NR) print "FAIL"; else print v[int((NR + 1) / 2)]}'; }

# One full build on each side; in_turns takes them in turns, one of each a
# round, as it does the no-op makes, so that each side's runs are spread
# over the same stretch of the machine's drift.
build_native() {  # make clean first
    local t
    make -C "$P" clean >/dev/null 2>&1
    t=$(cd "$P" && "$TIMEIT" 1 make -j2) || t=FAIL
    echo "$t"
}
build_kernel() {  # a fresh mount each time; the last stays for the no-op rounds
    local t
    umount_overlay "$T/K" 2>/dev/null
    rm -rf "$T/KU" "$T/KW"
    mount_overlay "$A:$B" "$T/KU" "$T/KW" "$T/K" || { echo FAIL; return; }
    t=$(cd "$T/K" && "$TIMEIT" 1 make -j2) || t=FAIL
    echo "$t"
}
build_union() {  # a fresh upper each time
    local t
    rm -rf "$T/U"
    t=$(cd "$A" && TIMEIT_LOG=$T/union-build.log union --lower .:../B --upper ../U -- "$TIMEIT" 1 make -j2) || t=FAIL
    echo "$t"
}
# in_turns N NATIVE KERNEL UNION: the three one-run functions N times, one
# of each a round (KERNEL "" for no kernel column); prints "native kernel
# union", each side's median ("-" for no kernel).
in_turns() {
    local i n= k= u=
    for ((i = 0; i < $1; i++)); do
        n+="$($2)"$'\n'
        [ -z "$3" ] || k+="$($3)"$'\n'
        u+="$($4)"$'\n'
    done
    printf '%s %s %s\n' "$(printf '%s' "$n" | median)" "$(if [ -n "$3" ]; then printf '%s' "$k" | median; else echo -; fi)" \
        "$(printf '%s' "$u" | median)"
}
KERNEL_SIDE=
[ $KERNEL = 0 ] || KERNEL_SIDE=build_kernel

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

true_native=$("$TIMEIT" $NOOP /bin/true) || true_native=FAIL
read -r ln_native ln_kernel ln_union < <(in_turns "$RUNS" build_native "$KERNEL_SIDE" build_union)

# The no-op makes in turns, one of each side a round: native, the kernel's
# mount (left mounted by the last build_kernel), the union (timed inside it, no
# launcher).  Taken side after side, each took its own stretch of this
# machine's drift: three runs of one build gave the union 1.11x, 1.58x
# and 1.47x of native.
noop_in_native() { local t; t=$(cd "$P" && "$TIMEIT" 1 make) || t=FAIL; echo "$t"; }
noop_in_kernel() { local t; t=$(cd "$T/K" && "$TIMEIT" 1 make) || t=FAIL; echo "$t"; }
noop_in_union() {
    local t
    t=$(cd "$A" && union --lower .:../B --upper ../U -- "$TIMEIT" 1 make) || t=FAIL
    echo "$t"
}
read -r noop_native noop_kernel noop_union < <(in_turns "$NOOP" noop_in_native "${KERNEL_SIDE:+noop_in_kernel}" noop_in_union)
[ "$ln_kernel" = - ] || umount_overlay "$T/K" 2>/dev/null
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
