#!/usr/bin/env bash
# make demo: build a C project split over two read-only lowers, inside the
# union, and show that every output landed in the upper while the lowers
# stayed byte-for-byte the same.
#
# Environment: DEMO_NFILES modules to generate (default 40, enough to make
# the point in seconds); DEMO_KEEP=1 keeps the temporary directory;
# UNIONENV the unionenv to run (default: this checkout's unionenv.sh; CI
# runs the demo with the one a Debian package installed).
set -u

ROOT=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P) || exit 2
UE=${UNIONENV:-$ROOT/unionenv.sh}
GEN=$ROOT/tests/sample/gen-project.sh
NFILES=${DEMO_NFILES:-40}

heading() { printf '\n== %s\n' "$*"; }
fail() { printf 'demo: %s\n' "$*" >&2; exit 1; }
# Show a unionenv command line, then run it.
ue() { printf '$ unionenv %s\n' "$*"; "$UE" "$@"; }

# What the lowers look like: names, types, sizes, modes, times and contents.
# Equal before and after means nothing in them changed.
lowers_sum() {
    (cd "$DEMO" && find A B -printf '%p %y %s %m %T@\n' | LC_ALL=C sort &&
        find A B -type f -exec cat {} +) | sha256sum | cut -c1-16
}

[ -x "$GEN" ] || fail "tests/sample/gen-project.sh is missing"
[ -n "${UNIONENV-}" ] || [ -f "$ROOT/build/libunionenv.so" ] ||
    fail "build/libunionenv.so is missing (run make)"

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/unionenv-demo.XXXXXX") || exit 1
cleanup() {
    if [ "${DEMO_KEEP:-0}" = 1 ]; then
        printf '\n(kept %s)\n' "$DEMO"
    else
        chmod -R u+w "$DEMO" 2>/dev/null
        rm -rf -- "$DEMO"
    fi
}
trap cleanup EXIT
cd "$DEMO" || exit 1

heading "1. Two lowers: A holds Makefile and include/, B holds src/*.c"
"$GEN" A B "$NFILES" >/dev/null || fail "gen-project.sh failed"
chmod -R a-w A B
printf 'A: %s files, B: %s files, both made read-only (chmod -R a-w)\n' \
    "$(find A -type f | wc -l)" "$(find B -type f | wc -l)"
[ "$(id -u)" -eq 0 ] &&
    echo "(running as root: permissions would not stop a write; unionenv does)"
BEFORE=$(lowers_sum)
echo "checksum of the lowers: $BEFORE"

heading "2. Build inside the union: A over B, writes go to U"
ue --lower A:B --upper U -- make -s -C A -j2 ||
    fail "the build in the union failed"
echo "build finished (make -s: quiet)"

heading "3. The merged view, and the program that was built"
ue --lower A:B --upper U -- ls A || fail "ls in the union failed"
ue --lower A:B --upper U -- A/prog || fail "running A/prog in the union failed"
printf '$ ls A/prog    # outside the union\n'
# shellcheck disable=SC2012  # ls's own "No such file" message is the point
ls A/prog 2>&1 | sed 's/^/  /'

heading "4. What landed in the upper U (type, size, path)"
find U -mindepth 1 -printf '%y %8s  %P\n' | LC_ALL=C sort -k3 >listing
lines=$(wc -l <listing)
if [ "$lines" -le 20 ]; then
    cat listing
else
    grep -v -e '\.o$' -e '\.d$' listing
    printf '  ... and %s object files (.o) and %s dependency files (.d) in U/obj\n' \
        "$(grep -c '\.o$' listing)" "$(grep -c '\.d$' listing)"
fi
printf 'total: %s entries, %s bytes\n' "$lines" \
    "$(find U -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"

heading "5. The lowers are unchanged"
AFTER=$(lowers_sum)
echo "checksum before: $BEFORE"
echo "checksum after:  $AFTER"
[ "$BEFORE" = "$AFTER" ] || fail "the lowers changed"
echo "unchanged."
