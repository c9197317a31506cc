#!/bin/bash
# tools-bench.sh [FILES] - time the layer tools on a big tree, beside the
# classic tools on the same tree (not run by tests/run; `bash` it by hand).
#
#   tree:   FILES regular files (default 200000) in directories of 1000,
#           16..80 bytes each, as lower L; T2 = L with 1% changed, 0.5%
#           removed, 0.5% added.
#   layers: U = a full upper over L (every file written again, as a build
#           that rewrites its tree does) plus whiteouts and new files.
#   runs:   unionenv diff (layers, text), diff --content, diff --format json,
#           `diff -r L U`; unionenv export vs `tar -cf` of U;
#           unionenv diff T1 T2 vs `diff -r T1 T2`.
# Each figure is the median of 3 warm runs (the page cache holds the tree).
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
FILES=${1:-200000}
TIMEIT=$REPO/tests/bench/timeit
B=$REPO/build/layertools
for t in diff export; do
    [ -x "$B/unionenv-$t" ] || { echo "tools-bench: build $B/unionenv-$t first (make)" >&2; exit 2; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/unionenv-tools-bench.XXXXXX") || exit 2
trap 'rm -rf -- "$T"' EXIT
cd "$T" || exit 2

echo "# making a tree of $FILES files in $T"
python3 - "$FILES" <<'PY'
import os, sys
n = int(sys.argv[1])
per = 1000
for top in ("L", "U"):
    for i in range(0, n, per):
        d = f"{top}/d{i // per // 100:03d}/s{i // per:05d}"
        os.makedirs(d, exist_ok=True)
        for j in range(i, min(n, i + per)):
            with open(f"{d}/f{j:07d}", "w") as f:
                f.write(("x" if top == "L" else "y") * (16 + j % 64))
PY
cp -a L T2
python3 - "$FILES" <<'PY'
import os, sys
n = int(sys.argv[1])
per = 1000
def path(top, j):
    return f"{top}/d{j // per // 100:03d}/s{j // per:05d}/f{j:07d}"
for j in range(0, n, 100):           # 1% changed
    with open(path("T2", j), "a") as f:
        f.write("changed")
for j in range(50, n, 200):          # 0.5% removed
    os.unlink(path("T2", j))
    os.unlink(path("U", j))
    os.mknod(path("U", j), 0o020000, os.makedev(0, 0))   # and whiteouts in U
for j in range(n, n + n // 200):     # 0.5% added
    p = path("T2", j)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "w").write("new")
PY
nfiles=$(find L -type f | wc -l)
echo "# L: $nfiles files; U: $(find U -type f | wc -l) files + $(find U -type c | wc -l) whiteouts"

run() {  # run LABEL CMD... : median of 3 warm runs; status 0 or 1 is fine
    local label=$1 t
    shift
    bash -c '"$@" >/dev/null 2>&1; [ $? -le 1 ]' _ "$@" || { echo "tools-bench: $label failed" >&2; return 1; }
    t=$("$TIMEIT" 3 bash -c '"$@"; [ $? -le 1 ]' _ "$@")
    printf '%-44s %8.2f s\n' "$label" "$t"
}

echo "# layers: upper U over lower L"
run "unionenv diff --lower L --upper U" "$B/unionenv-diff" --lower L --upper U
run "unionenv diff --content" "$B/unionenv-diff" --lower L --upper U --content
run "unionenv diff --format json" "$B/unionenv-diff" --lower L --upper U --format json
run "diff -r L U (GNU diffutils)" diff -r L U
run "diff -rq L U" diff -rq L U
echo "# export of U"
run "unionenv export --upper U -o u.tar" "$B/unionenv-export" --upper U -o u.tar
run "tar -cf u2.tar -C U . (GNU tar)" tar -cf u2.tar -C U .
run "tar --xattrs --sort=name -cf (GNU tar)" tar --xattrs --sort=name -cf u3.tar -C U .
run "unionenv export --gzip" "$B/unionenv-export" --upper U --gzip -o u.tar.gz
run "tar -czf (GNU tar + gzip)" tar -czf u2.tar.gz -C U .
echo "# two trees: L -> T2"
run "unionenv diff L T2" "$B/unionenv-diff" L T2
run "unionenv diff --content L T2" "$B/unionenv-diff" --content L T2
run "diff -r L T2 (GNU diffutils)" diff -r L T2
run "diff -rq L T2" diff -rq L T2
