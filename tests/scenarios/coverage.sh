#!/bin/bash
# coverage.sh - issue 3: every exported libc function that can touch a path
# is wrapped or deliberately not wrapped (build/unionenv-coverage), nothing
# path-like is left unclassified, and the tool itself catches both.
#
# Functions still to wrap are listed in tests/coverage-missing.expected
# (the backlog): a missing function not listed there is a regression, and
# a listed one that is no longer missing must leave the list, so the list
# stays exact.  `build/unionenv-coverage --missing` prints the current one.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/lib/tap.sh
. "$REPO/tests/lib/tap.sh"

COV=$REPO/build/unionenv-coverage
EXPECTED=$REPO/tests/coverage-missing.expected
DOC=$REPO/docs/coverage.md

if [ ! -x "$COV" ]; then
    echo "1..0 # skip build/unionenv-coverage is not built (run make)"
    exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/unionenv-coverage.XXXXXX") || exit 125
trap 'rm -rf -- "$T"' EXIT

tap_plan 10

# names of the functions with STATUS in a report
with_status() {  # with_status STATUS FILE
    awk -v s="$1" '$1 == s { print $2 }' "$2" | LC_ALL=C sort -u
}

"$COV" >"$T/report" 2>"$T/err"
st=$?
total=$(tail -n 1 "$T/report")
if { [ "$st" -eq 0 ] || [ "$st" -eq 1 ]; } && [[ $total == *" path functions: "* ]] &&
    grep -Eq '^wrapped +open ' "$T/report"; then
    tap_ok "the tool reads libc's symbol table and reports ($total)"
else
    tap_not_ok "the tool reads libc's symbol table and reports" "status $st" \
        "$(head -n 5 "$T/err")" "$(tail -n 3 "$T/report")"
fi

bad=$(with_status unclassified "$T/report")
tap_is "every exported function whose name looks path-related is classified (tools/path-functions.txt)" \
    "" "$bad"

bad=$(grep '^conflict' "$T/report")
tap_is "the tables and the classification agree" "" "$bad"

grep -v '^[[:space:]]*\(#\|$\)' "$EXPECTED" | awk '{ print $1 }' | LC_ALL=C sort -u >"$T/expected"
with_status missing "$T/report" >"$T/missing"
bad=$(LC_ALL=C comm -23 "$T/missing" "$T/expected")
tap_is "no missing function outside the backlog (tests/coverage-missing.expected)" "" "$bad"

# A listed name this libc does not export at all is fine (another glibc).
bad=$(LC_ALL=C comm -13 "$T/missing" "$T/expected" | while read -r name; do
    awk -v n="$name" '$2 == n { print n " is now " $1 }' "$T/report"
done)
tap_is "the backlog lists only functions still missing (remove the ones now covered)" "" "$bad"

# The wrappers that resolve their paths by hand (HAND in the table's path
# column) are exactly those tests/coverage-hand.expected lists, with why.
HAND=$REPO/tests/coverage-hand.expected
grep -v '^[[:space:]]*\(#\|@\|$\)' "$HAND" | awk '{ print $1 }' | LC_ALL=C sort -u >"$T/hand-expected"
"$COV" --hand | LC_ALL=C sort -u >"$T/hand"
tap_is "the hand-resolved wrappers are the ones tests/coverage-hand.expected lists" \
    "" "$(LC_ALL=C comm -3 "$T/hand" "$T/hand-expected")"

# ... and no function of preload/ calls the resolver itself (rather than
# the pipeline, preload/args.c) unless listed there too.
calls=$(cd "$REPO" && awk '
    /^[A-Za-z_][^;]*\(/ && !/;[[:space:]]*$/ { if (match($0, /[A-Za-z_][A-Za-z0-9_]*\(/)) fn = substr($0, RSTART, RLENGTH - 1) }
    /ue_resolve_as\(|ue_resolve_for_change\(|ue_resolve\(/ && !/^[[:space:]]*(\/\*|\*)/ { print FILENAME, fn }' preload/*.c |
    LC_ALL=C sort -u)
listed=$(awk '$1 == "@" { print $2, $3 }' "$HAND" | LC_ALL=C sort -u)
tap_is "every function of preload/ that calls the resolver itself is listed in tests/coverage-hand.expected" \
    "" "$(LC_ALL=C comm -3 <(printf '%s\n' "$calls") <(printf '%s\n' "$listed"))"

# The tool itself: a path function nobody wrapped is missing, and fails it.
{ cat "$REPO/tools/path-functions.txt"; printf '[path: a test]\nqsort\n'; } >"$T/data1"
"$COV" --data "$T/data1" >"$T/r1" 2>&1
st=$?
if [ "$st" -eq 1 ] && grep -Eq '^missing +qsort ' "$T/r1"; then
    tap_ok "a path function neither wrapped nor listed as unwrapped is reported missing"
else
    tap_not_ok "a path function neither wrapped nor listed as unwrapped is reported missing" \
        "status $st" "$(grep qsort "$T/r1")"
fi

# ... and a path-looking name that nobody classified fails it too.
sed 's/\<strerrorname_np\>//' "$REPO/tools/path-functions.txt" >"$T/data2"
"$COV" --data "$T/data2" >"$T/r2" 2>&1
st=$?
if [ "$st" -eq 1 ] && grep -Eq '^unclassified +strerrorname_np ' "$T/r2"; then
    tap_ok "an unclassified path-looking name is reported"
else
    tap_not_ok "an unclassified path-looking name is reported" "status $st" \
        "$(grep strerrorname_np "$T/r2")"
fi

# docs/coverage.md is generated from the tables; it can only be compared
# on the libc it was generated on (its "    glibc VERSION PATH" line).
machine() { grep -m 1 '^    glibc ' "$1" 2>/dev/null; }
"$COV" --markdown >"$T/doc.md" 2>/dev/null
if [ ! -f "$DOC" ]; then
    tap_not_ok "docs/coverage.md is current" "docs/coverage.md is missing: run make coverage-doc"
elif [ "$(machine "$DOC")" != "$(machine "$T/doc.md")" ]; then
    tap_skip "docs/coverage.md is current" "generated on$(machine "$DOC"), this is$(machine "$T/doc.md")"
elif cmp -s "$DOC" "$T/doc.md"; then
    tap_ok "docs/coverage.md is current"
else
    tap_not_ok "docs/coverage.md is current" "stale: run make coverage-doc" \
        "$(diff "$DOC" "$T/doc.md" | head -n 20)"
fi

tap_done
