#!/bin/bash
# supervisor-bench.sh - the cost of one stat and one open+close of a file
# of a lower: native (the lower itself), under the preload, and served by
# the supervisor (--supervise; the same program, dynamically linked, and
# statically linked as the supervisor's own case), and with the whole tree
# filtered but the preload kept (UNIONENV_SUPERVISE=preload: the preload's
# own calls leave from the gate, which the filter lets through), as ratios
# to native.
# Two measures: wall-clock time per call inside the program (what a
# program waits; on a loaded machine mostly the scheduler's), and CPU time
# per call of the whole run, supervisor included (user + system, from
# getrusage of the waited children: what the machine pays, load or not).
# No assertions.  env: BENCH_CALLS (default 20000), KEEP_TMP
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init svbench

N=${BENCH_CALLS:-20000}
A=$T/A B=$T/B U=$T/U
mkdir -p "$A/d" "$B/d/e"
echo x >"$B/d/e/file"
cc -O2 -o "$T/callcost" "$REPO/tests/bench/callcost.c" || exit 1
cc -O2 -static -o "$T/callcost-static" "$REPO/tests/bench/callcost.c" 2>/dev/null || cp "$T/callcost" "$T/callcost-static"

# cpu LABEL CMD...: CPU ns per call (14 rounds of N calls) of the whole run.
CPU_NATIVE=
cpu() {
    local label=$1 ns
    shift
    ns=$(python3 -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(int((u.ru_utime + u.ru_stime) * 1e9 / (14 * int(sys.argv[1]))) if r.returncode == 0 else "FAIL")' "$N" "$@")
    [ -n "$CPU_NATIVE" ] || CPU_NATIVE=$ns
    awk -v l="$label" -v c="$ns" -v n="$CPU_NATIVE" 'BEGIN { printf "%-34s %9s %7.2fx\n", l, c, c / n }'
}

col() {  # col LABEL stat open
    awk -v l="$1" -v s="$2" -v o="$3" -v ns="$NS" -v no="$NO" \
        'BEGIN { printf "%-34s %9.0f %7.2fx %9.0f %7.2fx\n", l, s, s / ns, o, o / no }'
}
get() { awk -v k="$1" '$1 == k {print $2}' <<<"$2"; }

native=$("$T/callcost" "$N" "$B/d/e/file") || exit 1
NS=$(get stat "$native") NO=$(get open "$native")
pre=$(union --lower "$A:$B" --upper "$U" -- "$T/callcost" "$N" "$A/d/e/file") || exit 1
sup=$(union --lower "$A:$B" --upper "$U" --supervise -- "$T/callcost" "$N" "$A/d/e/file") || exit 1
gat=$(UNIONENV_SUPERVISE=preload union --lower "$A:$B" --upper "$U" -- "$T/callcost" "$N" "$A/d/e/file") || exit 1
sta=$(union --lower "$A:$B" --upper "$U" -- "$T/callcost-static" "$N" "$A/d/e/file") || exit 1
out=$(union --lower "$A:$B" --upper "$U" --supervise -- "$T/callcost" "$N" "$B/d/e/file") || exit 1

printf '%-34s %9s %8s %9s %8s\n' "per call ($N calls, median of 7)" "stat ns" ratio "open ns" ratio
col "native" "$NS" "$NO"
col "preload (union path)" "$(get stat "$pre")" "$(get open "$pre")"
col "supervised (union path)" "$(get stat "$sup")" "$(get open "$sup")"
col "filtered, preload kept (gate)" "$(get stat "$gat")" "$(get open "$gat")"
col "supervised, static program" "$(get stat "$sta")" "$(get open "$sta")"
col "supervised, path outside the union" "$(get stat "$out")" "$(get open "$out")"
awk -v p="$(get stat "$pre")" -v s="$(get stat "$sup")" -v po="$(get open "$pre")" -v so="$(get open "$sup")" \
    'BEGIN { printf "supervised / preload: stat %.1fx, open %.1fx\n", s / p, so / po }'
awk -v p="$(get stat "$pre")" -v s="$(get stat "$gat")" -v po="$(get open "$pre")" -v so="$(get open "$gat")" \
    'BEGIN { printf "filtered with the preload kept / preload: stat %.2fx, open %.2fx\n", s / p, so / po }'

printf '\n%-34s %9s %8s\n' "CPU per call, all processes" "ns" ratio
cpu "native" "$T/callcost" "$N" "$B/d/e/file"
cpu "preload (union path)" "$REPO/unionenv.sh" --lower "$A:$B" --upper "$U" -- "$T/callcost" "$N" "$A/d/e/file"
cpu "supervised (union path)" "$REPO/unionenv.sh" --lower "$A:$B" --upper "$U" --supervise -- "$T/callcost" "$N" "$A/d/e/file"
cpu "filtered, preload kept (gate)" env UNIONENV_SUPERVISE=preload "$REPO/unionenv.sh" --lower "$A:$B" --upper "$U" -- "$T/callcost" "$N" "$A/d/e/file"
cpu "supervised, path outside the union" "$REPO/unionenv.sh" --lower "$A:$B" --upper "$U" --supervise -- "$T/callcost" "$N" "$B/d/e/file"
