#!/usr/bin/env bash
# bench-smoke.sh - issue 12's benchmark (tests/bench/metadata-bench.sh) runs
# through at a tiny size: every row measured under unionenv, the launcher's
# start-up and the system calls per operation printed, the lowers left as
# they were.  Times are never asserted here (`make bench` is for those).
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init bench-smoke

tap_plan 6
BENCH_SCALE=0.005 BENCH_RUNS=2 BENCH_SLOW_RUNS=1 BENCH_STARTS=3 \
    timeout -k 10 300 bash "$REPO/tests/bench/metadata-bench.sh" >"$T/out" 2>&1
st=$?
tap_result "the benchmark runs through" $st "$(tail -n 5 "$T/out")"
grep '^# SKIP' "$T/out" | sed 's/^# /# (bench) /'

# A row: | title | N s | kernel | fuse | fakechroot | unionenv [spread] | goal |
rows=$(grep -cE '^\| [^|]+ \| [0-9.]+ s \| [^|]+ \| [^|]+ \| [^|]+ \| [0-9.]+x( \[[0-9.]+-[0-9.]+\])? \| [0-9.]+x \|$' "$T/out")
tap_is "all 8 workloads measured natively and under unionenv" 8 "$rows"
# Two runs of each reading row (find, du, ls, tar, git), one of the others:
# the reading rows show the spread of unionenv's runs beside the median.
spreads=$(grep -cE '^\| [^|]+ \| [0-9.]+ s \|.* [0-9.]+x \[[0-9.]+-[0-9.]+\] \| [0-9.]+x \|$' "$T/out")
tap_is "the spread of unionenv's runs beside the rows run twice" 5 "$spreads"
starts=$(grep -cE '^\| (`/bin/true`|`unionenv --lower L --upper U -- /bin/true`) \| [0-9.]+ \|$' "$T/out")
tap_is "the launcher's start-up beside /bin/true's" 2 "$starts"
if command -v strace >/dev/null; then
    calls=$(grep -cE '^\| [^|]+ \| [0-9]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+x \|' "$T/out")
    tap_is "system calls per operation for all 8 workloads" 8 "$calls"
else
    tap_skip "system calls per operation" "strace is not installed (scripts/install-deps.sh)"
fi
grep -qx '# lowers unchanged' "$T/out"
tap_result "the benchmark's lowers unchanged after every workload under unionenv" $? "$(tail -n 3 "$T/out")"
tap_done
