#!/bin/bash
# tools-bats.sh - the bats tests of the layer tools (tests/tools/*.bats):
# diff, export, import, commit, convert, fsck.  tests/run runs the bats of
# tests/cli itself; this wrapper brings tests/tools into the same count.
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
if ! command -v bats >/dev/null 2>&1; then
    echo "1..0 # skip bats is not installed (run scripts/install-deps.sh)"
    exit 0
fi
export LC_ALL=C
exec bats --tap "$REPO/tests/tools"
