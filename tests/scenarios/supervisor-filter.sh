#!/usr/bin/env bash
# The seccomp filter's program (supervisor/filterprog.c), checked call by
# call through an interpreter and attached for real in a child
# (tests/supervisor/filter-check.c): what each call gets, and that a call
# neither sent nor answered is allowed on its number alone, which is what
# lets the kernel's seccomp action cache pass it without running the
# filter (docs/design.md, "The filter").  No root needed.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
CHECK=$REPO/build/tests/filter-check
if [ ! -x "$CHECK" ]; then
    echo "1..1"
    echo "not ok 1 - $CHECK is not built (run make)"
    exit 1
fi
exec "$CHECK"
