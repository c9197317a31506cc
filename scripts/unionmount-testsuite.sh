#!/usr/bin/env bash
# scripts/unionmount-testsuite.sh SUITE_DIR [TEST...] - run the kernel's
# overlayfs test suite, unionmount-testsuite, against unionenv: each TEST
# (all of the suite's tests/ by default) gets a fresh lower built by the
# suite's own set-up, then runs inside a union mounted at the suite's
# mount point (scripts/unionmount/driver.py; `mount` and `umount` are
# no-ops there, as the union needs no mount).  The suite's --samefs
# layout, with directory renames served (its redirect_dir=on list).
# SUITE_DIR is a checkout of the suite; it is not part of this repository,
# and CI does not run it (the machine that runs CI cannot fetch it).
# Needs root (the set-up chowns files) and python3.  Prints one line per
# test and a summary; the lower is checked after each test; exits
# non-zero when a test fails or the lower changed.
set -u
REPO=$(cd -- "$(dirname -- "$0")/.." && pwd -P)

die() { echo "unionmount-testsuite.sh: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: scripts/unionmount-testsuite.sh SUITE_DIR [TEST...]"
SUITE=$(cd -- "$1" 2>/dev/null && pwd -P) || die "$1: no such directory"
shift
[ -f "$SUITE/context.py" ] && [ -d "$SUITE/tests" ] || die "$SUITE: not a unionmount-testsuite checkout"
[ "$(id -u)" = 0 ] || die "the suite's set-up needs root"
command -v python3 >/dev/null || die "python3 is not installed"
make -s -C "$REPO" >/dev/null || die "the build failed"
if [ $# = 0 ]; then
    set -- $(cd "$SUITE/tests" && ls *.py | sed 's/\.py$//' | grep -vx 'rename-exdev')
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/unionenv-unionmount.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/base"
chmod 755 "$work" "$work/base"  # the suite opens files as the bin user too
printf '#!/bin/sh\nexit 0\n' >"$work/bin/mount"
cp "$work/bin/mount" "$work/bin/umount"
chmod +x "$work/bin/mount" "$work/bin/umount"
export UNIONMOUNT_BASEDIR=$work/base PYTHONPATH=$SUITE PYTHONDONTWRITEBYTECODE=1
passed=0 failed=0
for t in "$@"; do
    rm -rf "$work/base"/* "$work/state"
    if ! layers=$(cd "$SUITE" && python3 "$REPO/scripts/unionmount/driver.py" prepare "$t" "$work/state" 2>"$work/err" | tail -n 1); then
        echo "FAIL $t: the set-up failed: $(tail -n 1 "$work/err")"
        failed=$((failed + 1))
        continue
    fi
    read -r lower upper wrk mnt <<<"$layers"
    before=$(cd "$lower" && find . -printf '%p %y %m %s %U %T@\n' | sort)
    (cd "$SUITE" && PATH=$work/bin:$PATH "$REPO/unionenv.sh" --lower "$lower" --upper "$upper" --work "$wrk" \
        --mount "$mnt" -- python3 "$REPO/scripts/unionmount/driver.py" run "$t" "$work/state") >"$work/out" 2>&1
    rc=$?
    after=$(cd "$lower" && find . -printf '%p %y %m %s %U %T@\n' | sort)
    if [ "$before" != "$after" ]; then
        echo "FAIL $t: THE LOWER CHANGED"
        failed=$((failed + 1))
    elif [ $rc = 0 ] && [ "$(tail -n 1 "$work/out")" = PASS ]; then
        echo "ok   $t"
        passed=$((passed + 1))
    else
        echo "FAIL $t: $(grep -E '^(TEST|FAIL)' "$work/out" | tail -n 2 | tr '\n' ' ')"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
