#!/usr/bin/env bash
# lowerdirs.sh - issue 12: the directories of a lower held open by the
# library (core/lowerdirs.c, fds 900 and up) cost a program nothing it
# would have had: near its fd limit it opens as many files as natively,
# a number it dup2s onto or closes is its own, a python subprocess that
# closes every fd keeps its parent working, and what it reads through
# them is the union's.  The lowers never change.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init lowerdirs
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # skip python3 is not installed (run scripts/install-deps.sh)"
    exit 0
fi

A=$T/A U=$T/U
mkdir -p "$A/d" "$A/e"
for i in $(seq 1 40); do echo "$i" >"$A/d/f$i"; echo "e$i" >"$A/e/g$i"; done
lowers_remember "$A"
tap_plan 5

# Opens files of d until EMFILE under a limit of 1000 fds (the held
# directories' numbers lie below it), after a walk that holds d and e.
cat >"$T/limit.py" <<'PY'
import os, resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (1000, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
for d in ("d", "e"):
    for n in sorted(os.listdir(d)):
        os.stat(os.path.join(d, n))
fds = []
try:
    while True:
        fds.append(os.open("d/f%d" % (len(fds) % 40 + 1), os.O_RDONLY))
except OSError as e:
    print(len(fds), e.strerror)
PY
native=$(cd "$A" && python3 "$T/limit.py" 2>&1)
got=$(cd "$A" && union --lower "$A" --upper "$U" -- python3 "$T/limit.py" 2>&1)
tap_is "near the fd limit, as many files open as natively ($native)" "$native" "$got"

# The program's own numbers: dup2 onto every number from 900 up, then
# read through them; close them all; the lookups still answer.
cat >"$T/numbers.py" <<'PY'
import os
for n in sorted(os.listdir("d")):
    os.stat(os.path.join("d", n))
src = os.open("e/g1", os.O_RDONLY)
for n in range(900, 940):
    os.dup2(src, n)
ok = all(os.pread(n, 10, 0) == b"e1\n" for n in range(900, 940))
os.closerange(900, 940)
sizes = [os.stat(os.path.join("d", n)).st_size for n in sorted(os.listdir("d"))]
print("dup2 onto 900-939 reads e/g1:", ok, "; stats after closing them:", len(sizes))
PY
got=$(cd "$A" && union --lower "$A" --upper "$U" -- python3 "$T/numbers.py" 2>&1)
tap_is "a number the program dup2s onto or closes is its own" \
    "dup2 onto 900-939 reads e/g1: True ; stats after closing them: 40" "$got"

# A subprocess closes every fd before its exec (close_fds): the parent's
# lookups after it still answer, and its fds stay as many as before.
cat >"$T/spawn.py" <<'PY'
import os, subprocess
def walk():
    return sum(os.stat(os.path.join(d, n)).st_size for d in ("d", "e") for n in sorted(os.listdir(d)))
before = walk()
nfd = len(os.listdir("/proc/self/fd"))
for _ in range(5):
    subprocess.run(["true"], close_fds=True, check=True)
    after = walk()
print("same sizes:", before == after, "; fds grew by:", len(os.listdir("/proc/self/fd")) - nfd)
PY
got=$(cd "$A" && union --lower "$A" --upper "$U" -- python3 "$T/spawn.py" 2>&1)
tap_is "a subprocess closing every fd leaves its parent's directories working, no fd leaked" \
    "same sizes: True ; fds grew by: 0" "$got"

# Through held directories the union's view: a file written (copied up)
# reads back new, one removed is gone.
got=$(cd "$A" && union --lower "$A" --upper "$U" -- sh -c '
    for i in 1 2 3 4 5; do cat d/f$i >/dev/null; done
    echo new >>d/f3; rm d/f4; cat d/f3; cat d/f4 2>&1 | sed "s/^.*: //"; stat -c %s d/f3' 2>&1)
tap_is "through the held directory, the union's view" "$(printf '3\nnew\nNo such file or directory\n6')" "$got"
lowers_unchanged "the held directories"
