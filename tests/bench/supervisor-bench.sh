#!/bin/bash
# supervisor-bench.sh - the cost of one stat and one open+close of a file
# of a lower: native (the lower itself), under the preload, and served by
# the supervisor (--supervise; the same program, dynamically linked, and
# statically linked as the supervisor's own case), as ratios to native.
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

col() {  # col LABEL stat open
    awk -v l="$1" -v s="$2" -v o="$3" -v ns="$NS" -v no="$NO" \
        'BEGIN { printf "%-34s %9.0f %7.2fx %9.0f %7.2fx\n", l, s, s / ns, o, o / no }'
}
get() { awk -v k="$1" '$1 == k {print $2}' <<<"$2"; }

native=$("$T/callcost" "$N" "$B/d/e/file") || exit 1
NS=$(get stat "$native") NO=$(get open "$native")
pre=$(union --lower "$A:$B" --upper "$U" -- "$T/callcost" "$N" "$A/d/e/file") || exit 1
sup=$(union --lower "$A:$B" --upper "$U" --supervise -- "$T/callcost" "$N" "$A/d/e/file") || exit 1
sta=$(union --lower "$A:$B" --upper "$U" -- "$T/callcost-static" "$N" "$A/d/e/file") || exit 1
out=$(union --lower "$A:$B" --upper "$U" --supervise -- "$T/callcost" "$N" "$B/d/e/file") || exit 1

printf '%-34s %9s %8s %9s %8s\n' "per call ($N calls, median of 7)" "stat ns" ratio "open ns" ratio
col "native" "$NS" "$NO"
col "preload (union path)" "$(get stat "$pre")" "$(get open "$pre")"
col "supervised (union path)" "$(get stat "$sup")" "$(get open "$sup")"
col "supervised, static program" "$(get stat "$sta")" "$(get open "$sta")"
col "supervised, path outside the union" "$(get stat "$out")" "$(get open "$out")"
awk -v p="$(get stat "$pre")" -v s="$(get stat "$sup")" -v po="$(get open "$pre")" -v so="$(get open "$sup")" \
    'BEGIN { printf "supervised / preload: stat %.1fx, open %.1fx\n", s / p, so / po }'
