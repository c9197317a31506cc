#!/bin/bash
# conformance-static.sh - issue 11: the fixed conformance scenarios with the
# union's side run by oprun linked statically (tests/conformance/run
# --static), so that every operation is served by the supervisor, not the
# preload: the kernel's overlayfs results, as in the preload's run
# (conformance.sh).  Left out, as the supervisor cannot give them
# (docs/design.md, "An fd on a lower's file after a copy-up"): an fd
# opened before another process copies up or renames its file reads the
# lower's file until its own process makes a notified call (read, pread
# and mmap are not filtered), in the scenarios listed in SUPERVISOR_CANNOT.
# Where overlayfs cannot be mounted (not root), the union's side alone,
# checked against the scenarios' => expectations and the lowers.
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # skip python3 is not installed (run scripts/install-deps.sh)"
    exit 0
fi
if [ ! -x "$REPO/build/unionenv-supervise" ] || ! echo 'int main(void){return 0;}' | cc -static -x c -o /dev/null - 2>/dev/null; then
    echo "1..0 # skip no unionenv-supervise or no static C library"
    exit 0
fi
SUPERVISOR_CANNOT=" fd-before-copyup-procs fd-renamed-dir fd-renamed "
scns=()
for f in "$REPO"/tests/conformance/scenarios/*.scn; do
    n=${f##*/}; n=${n%.scn}
    case $SUPERVISOR_CANNOT in *" $n "*) continue;; esac
    scns+=("$f")
done
jobs=${CONFORMANCE_JOBS:-$(($(nproc 2>/dev/null || echo 1) + 1))}
[ "$jobs" -gt 4 ] && jobs=4
exec python3 "$REPO/tests/conformance/run" --static --no-seeds --tap --jobs "$jobs" \
    --shrink-time "${CONFORMANCE_SHRINK_TIME:-20}" "${scns[@]}"
