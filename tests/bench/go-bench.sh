#!/bin/bash
# go-bench.sh - `go build` of a generated module of BENCH_GO_PKGS packages
# (default 36; each imports the one before it and a few of the standard
# library's, main imports them all) natively, on a kernel overlayfs mount
# (root only) and in the union (the module in a lower, `unionenv --lower M
# --upper U -- go build`: the go command is handed to the supervisor, so
# every path system call of the build is served by it), in one run.
# Each run starts from the same build cache, which holds the standard
# library's packages and none of the module's (copied afresh, outside the
# layers), so each build compiles and links the whole module.
# Two measures, as ratios to native: wall-clock seconds (median of
# BENCH_RUNS, default 3), and CPU seconds of the whole run, every process
# the supervisor included (user + system of the waited children: what the
# machine pays, load or not).  No assertions; the lowers are checked.
#   env: BENCH_GO_PKGS, BENCH_RUNS, KEEP_TMP
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init gobench

command -v go >/dev/null || { echo "# SKIP go-bench: no go (Debian golang-go)"; exit 0; }
NPKG=${BENCH_GO_PKGS:-36}
RUNS=${BENCH_RUNS:-3}
L=$T/L N=$T/N
export GOPATH=$T/gopath GOFLAGS=-mod=mod GO111MODULE=on GOPROXY=off GOTOOLCHAIN=local GOTELEMETRY=off

# The module: package pNN has two files of a few dozen functions.
mkdir -p "$L/mod"
printf 'module example.com/bench\n\ngo 1.18\n' >"$L/mod/go.mod"
for ((p = 0; p < NPKG; p++)); do
    d=$(printf '%s/mod/p%02d' "$L" $p)
    mkdir -p "$d"
    prev=$(printf 'p%02d' $((p - 1)))
    for f in a b; do
        {
            printf 'package p%02d\n\nimport (\n\t"fmt"\n\t"sort"\n\t"strconv"\n\t"strings"\n' $p
            [ $p -gt 0 ] && [ $f = a ] && printf '\n\t"example.com/bench/%s"\n' "$prev"
            printf ')\n\n'
            [ $p -gt 0 ] && [ $f = a ] && printf 'var _ = %s.F%s0\n\n' "$prev" a
            for ((i = 0; i < 30; i++)); do
                printf 'type T%s%d struct{ n int; s string; m map[string]int }\n\n' $f $i
                printf 'func (t *T%s%d) Add(k string) { if t.m == nil { t.m = map[string]int{} }; t.m[k] += t.n; t.s += k }\n\n' $f $i
                printf 'func F%s%d(xs []string) string {\n\tsort.Strings(xs)\n\tvar b strings.Builder\n\tfor i, x := range xs {\n\t\tb.WriteString(strconv.Itoa(i) + ":" + strings.ToUpper(x))\n\t}\n\tt := &T%s%d{n: len(xs)}\n\tt.Add(b.String())\n\treturn fmt.Sprintf("%%d %%s", t.n, t.s)\n}\n\n' $f $i $f $i
            done
        } >"$d/$f.go"
    done
done
{
    printf 'package main\n\nimport (\n\t"fmt"\n'
    for ((p = 0; p < NPKG; p++)); do printf '\tp%02d "example.com/bench/p%02d"\n' $p $p; done
    printf ')\n\nfunc main() {\n'
    for ((p = 0; p < NPKG; p++)); do printf '\tfmt.Println(p%02d.Fa0([]string{"b", "a"}))\n' $p; done
    printf '}\n'
} >"$L/mod/main.go"
cp -a "$L" "$N"
lowers_remember "$L"

# The standard library's packages, built once into the cache each run copies.
mkdir -p "$T/warm/m"
printf 'module example.com/warm\n\ngo 1.18\n' >"$T/warm/m/go.mod"
printf 'package main\n\nimport (\n\t"fmt"\n\t"sort"\n\t"strconv"\n\t"strings"\n)\n\nfunc main() { fmt.Println(strings.ToUpper(strconv.Itoa(1))); sort.Strings(nil) }\n' >"$T/warm/m/main.go"
(cd "$T/warm/m" && GOCACHE=$T/cache.warm go build -o /dev/null .) || { echo "go-bench: cannot build with go"; exit 1; }

# one DIR CMD...: one build in DIR from the warm cache: "WALL CPU" seconds.
one() {
    local dir=$1
    shift
    rm -rf "$T/cache.run" && cp -a "$T/cache.warm" "$T/cache.run"
    (cd "$dir" && GOCACHE=$T/cache.run python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
w = time.monotonic() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %.2f" % (w, u.ru_utime + u.ru_stime) if r.returncode == 0 else "FAIL FAIL")' "$@")
}
# runs LABEL DIR CMD...: median wall and CPU of RUNS builds, into R_LABEL.
median() { sort -n | awk '$1 == "FAIL" {f = 1} {v[NR] = $1} END {if (f || !NR) print "FAIL"; else print v[int((NR + 1) / 2)]}'; }
runs() {
    local label=$1 dir=$2 i
    shift 2
    for ((i = 0; i < RUNS; i++)); do one "$dir" "$@"; done >"$T/times.$label"
    printf '%s %s\n' "$(cut -d' ' -f1 "$T/times.$label" | median)" "$(cut -d' ' -f2 "$T/times.$label" | median)"
}

native=$(runs native "$N/mod" go build -o prog .)
kernel="- -"
if can_mount_overlay; then
    kernel=$(for ((i = 0; i < RUNS; i++)); do
        rm -rf "$T/KU" "$T/KW"
        mount_overlay "$L" "$T/KU" "$T/KW" "$T/K" || { echo "FAIL FAIL"; continue; }
        one "$T/K/mod" go build -o prog .
        umount_overlay "$T/K"
    done >"$T/times.kernel"
        printf '%s %s\n' "$(cut -d' ' -f1 "$T/times.kernel" | median)" "$(cut -d' ' -f2 "$T/times.kernel" | median)")
else
    echo "# SKIP kernel overlayfs column: $ORACLE_SKIP_REASON"
fi
unioned=$(for ((i = 0; i < RUNS; i++)); do
    rm -rf "$T/U"
    one "$L/mod" timeout -k 10 600 "$UNION_CMD" --lower "$L" --upper "$T/U" -- go build -o prog .
done >"$T/times.union"
    printf '%s %s\n' "$(cut -d' ' -f1 "$T/times.union" | median)" "$(cut -d' ' -f2 "$T/times.union" | median)")
built=no
[ -x "$T/U/mod/prog" ] && [ ! -e "$L/mod/prog" ] && built=yes

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || a == 0) print "-"; else printf "%.2fx", b / a }'
}
row() {  # row LABEL "WALL CPU"
    local w=${2% *} c=${2#* }
    printf '%-36s %9s %8s %9s %8s\n' "$1" "$w" "$(ratio "${native% *}" "$w")" "$c" "$(ratio "${native#* }" "$c")"
}
echo
echo "go build of a module of $NPKG packages ($(go version | cut -d' ' -f3)), standard library cached, $(nproc) CPUs, $(uname -r)"
printf '%-36s %9s %8s %9s %8s\n' "median of $RUNS" "wall s" ratio "cpu s" ratio
row "native" "$native"
row "kernel overlayfs" "$kernel"
row "unionenv (go supervised)" "$unioned"
echo "the program is in the upper, none in the lower: $built"
now=$(snapshot_tree "$L")
if [ "$now" = "$LOWERS_BEFORE" ]; then echo "# lowers unchanged"; else echo "# LOWERS CHANGED"; fi
