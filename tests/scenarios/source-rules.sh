#!/bin/bash
# source-rules.sh - rules of the source that the compiler cannot check
# (issue 10): every on-disk marker name is spelled once, in core/markers.h,
# so that a new kernel marker is one edit there.  Code elsewhere names a
# marker through the table (UE_OVL_USER(OPAQUE), UE_AUFS_OPAQUE...).
# Comments, help texts and messages may say a marker's name: only string
# literals that code acts on count, that is every literal outside the
# lines of a help text (which start with a literal) and of messages.
# And every C file, of the product, its tools and its tests, is small enough
# to read in one sitting: 600 lines at most.
# core/layerpath.c is a leaf: the layer helpers and the path questions
# (under, parent, last name) that every part calls; it reads the layer
# table (core/config.h) and includes no other header of core/, so it can
# call nothing else there and closes no cycle.
# And a path to an open fd, "/proc/self/fd/N", is made by core/procfd.h's
# ue_proc_fd alone: no literal of it elsewhere in code.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/lib/tap.sh
. "$REPO/tests/lib/tap.sh"
cd "$REPO" || exit 125

tap_plan 6

# Literals naming a marker, in C code, outside its one home.  A literal
# that holds more than the name (a sentence, a help text) is prose.
literals() {  # literals REGEX: "file:line: text" of offending code
    grep -rnE --include='*.c' --include='*.h' "\"$1" core preload tools |
        grep -v '^core/markers\.h:' |
        grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)' |
        grep -vE "\"$1[^\"]* [^\"]*\"" || true
}

out=$(literals '(user|trusted)\.overlay\.')
tap_is "the overlay's xattr names are spelled in core/markers.h alone" "" "$out"
out=$(literals '(user\.fuseoverlayfs\.|user\.containers\.override_stat)')
tap_is "fuse-overlayfs's and the owner record's names too" "" "$out"
out=$(literals '\.wh\.')
tap_is "and the aufs markers' names" "" "$out"

# The quoted includes of core/layerpath.[ch] other than themselves and the
# layer table.
out=$(grep -H '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' core/layerpath.c core/layerpath.h |
    grep -vE '"(layerpath|config)\.h"' || true)
[ -f core/layerpath.c ] || out="core/layerpath.c is missing"
tap_is "core/layerpath includes no other header of core/" "" "$out"

# Literals of /proc/self/fd in code, outside core/procfd.h and comments.
out=$(grep -rnE --include='*.c' --include='*.h' '"/proc/self/fd' core preload supervisor tools launcher |
    grep -v '^core/procfd\.h:' |
    grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)' || true)
tap_is "/proc/self/fd/N is made by ue_proc_fd (core/procfd.h) alone" "" "$out"

# "LINES FILE" of every C source and header outside build/.
MAX_LINES=600
sizes=$(find . \( -name build -o -name .git \) -prune -o -type f \( -name '*.c' -o -name '*.h' \) \
    -exec awk 'FNR == 1 && NR > 1 { print n, f } { n = FNR; f = FILENAME } END { if (NR) print n, f }' {} +)
files=$(grep -c . <<<"$sizes")
out=$(awk -v max=$MAX_LINES '$1 > max' <<<"$sizes")
# Found none, or few: the search is broken, not the files small.
[ "$files" -ge 100 ] || out="only $files C files found"
tap_is "no C file is over $MAX_LINES lines ($files files)" "" "$out"
tap_done
