#!/bin/bash
# supervisor-workers-bench.sh - the build of build-bench.sh (the generated C
# project, make -j2, a fresh upper each time) with the preload alone and
# with the whole tree supervised (--supervise) by 1 worker and by
# BENCH_WORKERS (UNIONENV_SUPERVISE_THREADS; docs/design.md "The
# workers"), in interleaved rounds, so that the machine's load
# weighs on every mode alike.  Wall-clock and CPU seconds (every process,
# the supervisor included) of each run; the medians and their ratios to
# the preload alone.  No assertions.
#   env: BENCH_NFILES (default 200), BENCH_ROUNDS (default 5),
#        BENCH_WORKERS (the many-worker count; default: the CPUs, nproc),
#        BENCH_BASE (another checkout's unionenv.sh, run --supervise as a
#        fourth mode: a build before a change), KEEP_TMP
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init svworkers

NFILES=${BENCH_NFILES:-200}
ROUNDS=${BENCH_ROUNDS:-5}
MANY=${BENCH_WORKERS:-$(nproc)}
A=$T/A B=$T/B
"$REPO/tests/sample/gen-project.sh" "$A" "$B" "$NFILES" || exit 1

# run MODE: "WALL CPU" of one full build (FAIL FAIL when it failed).
run() {
    local env=(env -u UNIONENV_SUPERVISE) opt=()
    case $1 in
    preload) ;;
    sv1) env=(env UNIONENV_SUPERVISE_THREADS=1); opt=(--supervise) ;;
    svN) env=(env UNIONENV_SUPERVISE_THREADS="$MANY"); opt=(--supervise) ;;
    base) opt=(--supervise) ;;
    esac
    local cmd=$UNION_CMD
    [ "$1" = base ] && cmd=$BENCH_BASE
    rm -rf "$T/U"
    (cd "$A" && python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t = time.monotonic() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.2f %.2f" % (t, u.ru_utime + u.ru_stime) if r.returncode == 0 else "FAIL FAIL")' \
        "${env[@]}" "$cmd" --lower .:../B --upper ../U "${opt[@]}" -- make -j2)
}

MODES="preload sv1 svN"
[ -n "${BENCH_BASE:-}" ] && MODES="$MODES base"
for ((i = 1; i <= ROUNDS; i++)); do
    for m in $MODES; do
        r=$(run "$m")
        echo "# round $i $m: wall cpu $r"
        echo "$m $r" >>"$T/runs"
    done
done

median() { sort -n | awk '$1 == "FAIL" {f = 1} {v[NR] = $1} END {if (f || !NR) print "FAIL"; else print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || a == 0) print "-"; else printf "%.2fx", b / a }'; }
pw=$(awk '$1 == "preload" {print $2}' "$T/runs" | median)
pc=$(awk '$1 == "preload" {print $3}' "$T/runs" | median)
echo
echo "build of $NFILES modules, make -j2, $(nproc) CPUs, $(uname -r), median of $ROUNDS interleaved rounds"
printf '%-34s %8s %8s %8s %8s\n' mode wall ratio cpu ratio
for m in $MODES; do
    w=$(awk -v m="$m" '$1 == m {print $2}' "$T/runs" | median)
    c=$(awk -v m="$m" '$1 == m {print $3}' "$T/runs" | median)
    case $m in
    preload) label="preload alone" ;;
    sv1) label="--supervise, 1 worker" ;;
    svN) label="--supervise, $MANY workers" ;;
    base) label="--supervise, BENCH_BASE" ;;
    esac
    printf '%-34s %8s %8s %8s %8s\n' "$label" "$w" "$(ratio "$pw" "$w")" "$c" "$(ratio "$pc" "$c")"
done
