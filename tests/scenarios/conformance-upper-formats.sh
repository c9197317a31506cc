#!/bin/bash
# conformance-upper-formats.sh - the fixed conformance scenarios again, with
# unionenv writing its upper in the fallback forms (the kernel's xattr
# whiteouts, aufs .wh. files: --upper-format); the uppers are compared
# through `unionenv convert`, and the kernel reads the xattr form as a lower
# (tests/conformance/README.md).  Where overlayfs cannot be mounted (not
# root), the union's side alone, checked against the scenarios' =>
# expectations and the lowers.
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # skip python3 is not installed (run scripts/install-deps.sh)"
    exit 0
fi
jobs=${CONFORMANCE_JOBS:-$(($(nproc 2>/dev/null || echo 1) + 1))}
[ "$jobs" -gt 4 ] && jobs=4
exec python3 "$REPO/tests/conformance/run" --tap --jobs "$jobs" --no-seeds --upper-format xattr,aufs "$@"
