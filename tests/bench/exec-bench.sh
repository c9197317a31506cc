#!/bin/bash
# exec-bench.sh [N] - what starting a program costs in a union, where every
# exec is checked (core/followable.c, issue 9): N starts of /bin/true by
# fork+execv and by posix_spawn, natively and in the union, as a ratio;
# then the verdict alone, answered by the per-user cache and read from the
# headers each time.  Not run by tests/run; `bash` it by hand (`make`
# first).  Each figure is the best of 3 runs.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
N=${1:-2000}
B=$REPO/build
[ -f "$B/libunionenv.so" ] || { echo "exec-bench: run make first" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/unionenv-exec-bench.XXXXXX") || exit 2
trap 'rm -rf -- "$T"' EXIT
gcc -O2 -o "$T/exec-loop" "$REPO/tests/bench/exec-loop.c" || exit 2
gcc -O2 -I"$REPO/core" -o "$T/followable-loop" "$REPO/tests/bench/followable-loop.c" \
    "$B/core/followable.o" "$B/core/elfhead.o" "$B/core/followcache.o" || exit 2
mkdir -p "$T/L" "$T/U"

best() {  # best CMD...: the smallest of 3 outputs' first field
    local i out all=()
    for i in 1 2 3; do
        out=$("$@") || { echo "exec-bench: failed: $*" >&2; exit 1; }
        all+=("${out%% *}")
    done
    printf '%s\n' "${all[@]}" | sort -g | head -n 1
}

echo "# $N starts of /bin/true, microseconds per start (best of 3)"
printf '%-12s %10s %10s %8s\n' method native union ratio
for mode in fork-exec spawn; do
    native=$(best "$T/exec-loop" "$N" "$mode" /bin/true)
    union=$(best "$REPO/unionenv.sh" --lower "$T/L" --upper "$T/U" -- "$T/exec-loop" "$N" "$mode" /bin/true)
    printf '%-12s %10s %10s %8s\n' "$mode" "$native" "$union" \
        "$(awk -v a="$native" -v b="$union" 'BEGIN {printf "%.2f", b / a}')"
done
echo "# the verdict alone on /bin/true, microseconds (open, judge, close)"
printf '%-26s %s\n' "per-user cache (a hit)" "$(best "$T/followable-loop" 100000 /bin/true)"
printf '%-26s %s\n' "no cache (headers read)" "$(UNIONENV_FOLLOW_CACHE= best "$T/followable-loop" 20000 /bin/true)"
for p in /usr/lib/gcc/x86_64-linux-gnu/*/cc1 /usr/bin/go; do
    [ -x "$p" ] || continue
    printf '%-26s %s\n' "no cache: ${p##*/}" "$(UNIONENV_FOLLOW_CACHE= best "$T/followable-loop" 2000 "$p")"
done
