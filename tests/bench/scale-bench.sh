#!/bin/bash
# scale-bench.sh - issue 12's scale rows: whether anything grows with the
# size of the tree or of the upper.  A generated lower of BENCH_BIG_FILES
# files (default 1,000,000; 1,000 a directory) beside a small one of 1,000,
# and an upper holding BENCH_UPPER_FILES entries (default 100,000, none of
# them overlay markers, so a form probe that walks the upper has to walk
# all of it) beside an empty one.  For each pair, in one run:
#   * the launcher's start-up: `unionenv --lower L --upper U -- /bin/true`
#   * one process's start-up inside the union (fork+exec of /bin/true,
#     timed by a loop inside, so without the launcher)
#   * `find -type f` over the lower, natively, on a kernel overlayfs mount
#     (root only) and in the union, and the peak RSS of that find beside
#     native's (the node cache is bounded: the goal is within 16 MiB)
# Prints tables; asserts nothing about times.  The lowers are checked
# unchanged at the end (by a listing with ctimes: any write shows).
#   env: BENCH_BIG_FILES, BENCH_UPPER_FILES, BENCH_RUNS (default 3),
#        BENCH_STARTS (default 50), UNION_CMD, KEEP_TMP
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
UE_GIVEN=${UNION_CMD:-}
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init scale-bench

BIG=${BENCH_BIG_FILES:-1000000}
UPPER_FILES=${BENCH_UPPER_FILES:-100000}
RUNS=${BENCH_RUNS:-3}
STARTS=${BENCH_STARTS:-50}
UE=${UE_GIVEN:-$REPO/build/unionenv-launch}
TIMEIT=$REPO/tests/bench/timeit

gcc -O2 -o "$T/exec-loop" "$REPO/tests/bench/exec-loop.c" || exit 2

# mktree DIR FILES: FILES empty files, 1,000 a directory.  Empty: the rows
# walk names, and a million small files would only cost the disk.
mktree() {
    python3 - "$1" "$2" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    if i % 1000 == 0:
        d = os.path.join(root, "d%04d" % (i // 1000))
        os.makedirs(d, exist_ok=True)
    os.close(os.open(os.path.join(d, "f%07d" % i), os.O_CREAT | os.O_WRONLY, 0o644))
PY
}
echo "# making the trees in $T: $BIG files, 1000 files, an upper of $UPPER_FILES"
mktree "$T/big" "$BIG" && mktree "$T/small" 1000 && mktree "$T/fullupper" "$UPPER_FILES" || exit 1
mkdir -p "$T/emptyupper"
lowers_listing() { (cd "$T" && find big small -printf '%p %y %m %n %s %T@ %C@\n' | LC_ALL=C sort | sha256sum); }
LOWERS_AT_START=$(lowers_listing)

KERNEL=0
if can_mount_overlay; then KERNEL=1; else echo "# SKIP kernel overlayfs column: $ORACLE_SKIP_REASON"; fi

# median of the lines on stdin
median() { sort -n | awk '{v[NR] = $1} END {if (!NR) print "FAIL"; else print v[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a + 0 > 0 && b != "FAIL" && b != "-") printf "%.2fx", b / a; else print "-"}'; }
ms() { awk -v s="$1" 'BEGIN {if (s == "FAIL" || s == "-") print s; else printf "%.2f", s * 1000}'; }

# peak RSS (KiB) of `find -type f` in DIR, median of RUNS; PREFIX... runs it
peak_rss() {
    local dir=$1 i
    shift
    for ((i = 0; i < RUNS; i++)); do
        (cd "$dir" && "$@" /usr/bin/time -f %M -o "$T/rss" find . -type f >/dev/null) && cat "$T/rss" || echo FAIL
    done | median
}

# The same upper for every start: one that holds no marker is walked
# whole by the form probe of each start, which is the cost looked for.
# The four pairs' starts are taken in turns, one of each a round: timed
# pair after pair, each took its own stretch of the machine's drift, and
# the rows came out in their order (5.1, 5.9, 6.1, 6.9 ms) whatever they
# held.  STARTS_OF[pair] gathers each pair's times.
declare -A STARTS_OF
start_rounds() {
    local r pair t
    for ((r = 0; r < STARTS; r++)); do
        for pair in "$@"; do
            t=$(cd "$T" && "$TIMEIT" 1 "$UE" --lower "$T/${pair%% *}" --upper "$T/${pair#* }" -- /bin/true) || t=FAIL
            STARTS_OF[$pair]+="$t"$'\n'
        done
    done
}
start_launcher() {  # start_launcher "LOWER UPPER": the median of its starts
    case ${STARTS_OF[$1]} in *FAIL*) echo FAIL ;; *) printf '%s' "${STARTS_OF[$1]}" | median ;; esac
}
start_process() {  # microseconds per fork+exec of /bin/true inside
    "$UE" --lower "$1" --upper "$2" -- "$T/exec-loop" 200 fork /bin/true || echo FAIL
}

echo
echo "start-up (launcher: median of $STARTS; process: mean of 200 fork+exec)"
printf '%-34s %12s %14s\n' "lower / upper" "launcher ms" "process us"
native_proc=$("$T/exec-loop" 200 fork /bin/true)
printf '%-34s %12s %14s\n' "native (no union)" "-" "$native_proc"
PAIRS=("small emptyupper" "big emptyupper" "small fullupper" "big fullupper")
start_rounds "${PAIRS[@]}"
for pair in "${PAIRS[@]}"; do
    set -- $pair
    printf '%-34s %12s %14s\n' "$1 lower, $2" "$(ms "$(start_launcher "$pair")")" "$(start_process "$T/$1" "$T/$2")"
done

echo
echo "find -type f over the lower (seconds, median of $RUNS; peak RSS of find in KiB)"
printf '%-10s %10s %10s %10s %9s %9s %10s %10s %10s\n' lower native kernel unionenv ue/nat kern/nat rss-native rss-union rss-diff
for lower in small big; do
    nat=$(cd "$T/$lower" && "$TIMEIT" "$RUNS" find . -type f)
    kern=-
    if [ $KERNEL = 1 ]; then
        rm -rf "$T/KU" "$T/KW"
        if mount_overlay "$T/$lower" "$T/KU" "$T/KW" "$T/K"; then
            kern=$(cd "$T/K" && "$TIMEIT" "$RUNS" find . -type f)
            umount_overlay "$T/K"
        fi
    fi
    rm -rf "$T/U" && mkdir "$T/U"
    ue=$(cd "$T/$lower" && "$UE" --lower . --upper "$T/U" -- "$TIMEIT" "$RUNS" find . -type f) || ue=FAIL
    rss_nat=$(peak_rss "$T/$lower")
    rss_ue=$(peak_rss "$T/$lower" "$UE" --lower . --upper "$T/U" --)
    printf '%-10s %10s %10s %10s %9s %9s %10s %10s %10s\n' "$lower" "$nat" "$kern" "$ue" \
        "$(ratio "$nat" "$ue")" "$(ratio "$nat" "$kern")" "$rss_nat" "$rss_ue" \
        "$(awk -v a="$rss_nat" -v b="$rss_ue" 'BEGIN {if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/) printf "%.1f MiB", (b - a) / 1024; else print "-"}')"
done

echo
if [ "$(lowers_listing)" = "$LOWERS_AT_START" ]; then
    echo "# lowers unchanged"
else
    echo "# LOWERS CHANGED"
    exit 1
fi
