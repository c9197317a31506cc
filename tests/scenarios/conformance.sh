#!/bin/bash
# conformance.sh - issue 4: unionenv against the kernel's overlayfs, operation
# by operation: the fixed scenarios of tests/conformance/scenarios and the
# fixed random seeds of tests/conformance/seeds (TAP, one line each).
# Where overlayfs cannot be mounted (not root: CI's uid-65534 pass) the
# scenarios run under unionenv alone, checked against their => expectations
# and for unchanged lowers; the random seeds are left out then.
# A longer random run: tests/conformance/run --random --seeds 1000
# (tests/conformance/README.md).
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # skip python3 is not installed (run scripts/install-deps.sh)"
    exit 0
fi
# Cases run in parallel (each has its own layers, mounts and upper).
jobs=${CONFORMANCE_JOBS:-$(($(nproc 2>/dev/null || echo 1) + 1))}
[ "$jobs" -gt 4 ] && jobs=4
exec python3 "$REPO/tests/conformance/run" --tap --jobs "$jobs" --shrink-time "${CONFORMANCE_SHRINK_TIME:-20}" "$@"
