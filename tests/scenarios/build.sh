#!/bin/bash
# build.sh - issue 2, item 1: a C project whose Makefile and headers live in
# lower A and whose sources live in lower B builds with `make -j2` in the
# union; outputs land in the upper, byte-identical to a native build of a
# plain copy of A+B; a second make does nothing; `make clean` leaves only
# whiteouts for names a lower had; the kernel reads the upper (root only);
# the lowers never change.
#   env: BUILD_NFILES (default 150: 303 files of source, a .c and a .h a
#   module, main.c, the Makefile and common.h, "a C project of a few
#   hundred files" as issue 2 asks, and 300 more that the build writes;
#   tests/bench/build-bench.sh builds 400), UNION_CMD, UNION_TIMEOUT, KEEP_TMP
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init build

NFILES=${BUILD_NFILES:-150}
A=$T/A B=$T/B U=$T/U P=$T/P
VIEWTREE=$REPO/tests/lib/view-tree

tap_plan 18

"$REPO/tests/sample/gen-project.sh" "$A" "$B" "$NFILES" || { tap_diag "gen-project.sh failed"; tap_done; exit 1; }
snapshot_tree "$A" >"$T/snap.A.0"
snapshot_tree "$B" >"$T/snap.B.0"

if can_mount_overlay; then
    KERNEL=1
else
    KERNEL=0
    echo "# SKIP kernel oracle: $ORACLE_SKIP_REASON; the reference is the native build of a plain copy"
fi

# in_union CMD...: run CMD in the union, cwd = lower A, relative layer paths.
in_union() {
    (cd -- "$A" && union --lower .:../B --upper ../U -- "$@")
}

# lowers_unchanged LABEL: one TAP test.
lowers_unchanged() {
    snapshot_tree "$A" >"$T/snap.A.1"
    snapshot_tree "$B" >"$T/snap.B.1"
    if cmp -s "$T/snap.A.0" "$T/snap.A.1" && cmp -s "$T/snap.B.0" "$T/snap.B.1"; then
        tap_ok "lowers A and B unchanged after $1"
    else
        tap_not_ok "lowers A and B unchanged after $1" "snapshot differences (- before, + after):"
        { diff -u "$T/snap.A.0" "$T/snap.A.1" | tail -n +3 | sed 's/^/A: /'
          diff -u "$T/snap.B.0" "$T/snap.B.1" | tail -n +3 | sed 's/^/B: /'; } | head -n 40 | tap_diag
    fi
}

# kernel_view TAG: mount A:B with unionenv's upper U (fresh workdir), print
# view_tree of the mount into $T/kview.TAG; U must not be changed by that.
kernel_view() {
    local tag=$1 k=$T/K.$1 st=0
    snapshot_tree "$U" >"$T/snap.U.k0"
    mount_overlay "$A:$B" "$U" "$T/KW.$tag" "$k" 2>"$T/kmount.err" || { cat "$T/kmount.err"; return 1; }
    view_tree "$k" >"$T/kview.$tag" || st=1
    umount_overlay "$k"
    snapshot_tree "$U" >"$T/snap.U.k1"
    if ! cmp -s "$T/snap.U.k0" "$T/snap.U.k1"; then
        echo "# note: mounting U under the kernel changed it:"
        diff "$T/snap.U.k0" "$T/snap.U.k1" | head -n 10 | sed 's/^/#   /'
    fi
    return $st
}

tail_diag() { tail -n "${2:-30}" -- "$1" | tap_diag; }

# --- native reference ------------------------------------------------------
merged_copy "$A:$B" "$P"
view_tree "$P" >"$T/view.P.0"
if make -j2 -C "$P" >"$T/native.log" 2>&1 && (cd "$P" && ./prog) >"$T/native.out" 2>&1; then
    tap_ok "native reference build of a plain copy of A+B ($NFILES modules): $(cat "$T/native.out")"
else
    tap_not_ok "native reference build of a plain copy of A+B" "native build failed; the scenario itself is broken"
    tail_diag "$T/native.log"
fi
view_tree "$P" >"$T/view.P.1"

# --- union build -----------------------------------------------------------
in_union make -j2 >"$T/union.log" 2>&1
st=$?
tap_result "make -j2 in the union (cwd lower A, --lower .:../B --upper ../U) succeeds" $st "exit status $st; last lines:"
[ $st -eq 0 ] || tail_diag "$T/union.log"
lowers_unchanged "make -j2"

# Files and directories the native build created.
join -v 2 -t "$(printf '\t')" <(cut -f1,2 "$T/view.P.0") <(cut -f1,2 "$T/view.P.1") >"$T/new.P"
awk -F'\t' '$2 == "f" {print $1}' "$T/new.P" >"$T/new.files"
awk -F'\t' '$2 == "d" {print $1}' "$T/new.P" >"$T/new.dirs"
{
    cat "$T/new.dirs"
    # ancestors of new files
    awk -F/ '{p = ""; for (i = 1; i < NF; i++) {p = (i == 1) ? $1 : p "/" $i; print p}}' "$T/new.files"
} | sort -u >"$T/allowed.dirs"

bad=()
while read -r f; do
    if [ ! -f "$U/$f" ]; then
        bad+=("missing from U: $f")
    elif ! cmp -s -- "$P/$f" "$U/$f"; then
        bad+=("differs from native: $f")
    fi
done <"$T/new.files"
if [ ${#bad[@]} -eq 0 ] && [ -s "$T/new.files" ]; then
    tap_ok "all $(wc -l <"$T/new.files") files of the native build are in U, byte-identical"
else
    tap_not_ok "all files of the native build are in U, byte-identical" "${#bad[@]} problems (first 20):"
    printf '%s\n' "${bad[@]}" | head -n 20 | tap_diag
fi

(cd "$U" 2>/dev/null && find . -mindepth 1 -printf '%P\t%y\n') | sort >"$T/U.entries"
unexpected=$(awk -F'\t' -v nf="$T/new.files" -v ad="$T/allowed.dirs" '
    BEGIN { while ((getline l < nf) > 0) f[l] = 1; while ((getline l < ad) > 0) d[l] = 1 }
    !(($2 == "f" && ($1 in f)) || ($2 == "d" && ($1 in d))) { print $2 " " $1 }' "$T/U.entries")
if [ -z "$unexpected" ] && [ -d "$U" ]; then
    tap_ok "nothing else landed in U (only the build outputs and their directories)"
else
    tap_not_ok "nothing else landed in U (only the build outputs and their directories)" "unexpected entries in U (type path):"
    [ -d "$U" ] || tap_diag "U does not exist"
    printf '%s\n' "$unexpected" | head -n 20 | tap_diag
fi

in_union "$VIEWTREE" . >"$T/view.union.1" 2>"$T/view.union.err"
st=$?
if [ $st -ne 0 ]; then
    tap_not_ok "union view after the build equals the native view" "view-tree in the union failed ($st)"
    tail_diag "$T/view.union.err"
else
    tap_cmp_files "union view after the build equals the native view" "$T/view.P.1" "$T/view.union.1"
fi

in_union ./prog >"$T/union.out" 2>&1
st=$?
if [ $st -eq 0 ] && cmp -s "$T/native.out" "$T/union.out"; then
    tap_ok "prog run in the union prints the native output"
else
    tap_not_ok "prog run in the union prints the native output" "exit status $st" "native: $(cat "$T/native.out")"
    tail_diag "$T/union.out" 10
fi

if [ $KERNEL = 1 ]; then
    if kernel_view build >"$T/kernel.log" 2>&1; then
        cat "$T/kernel.log"
        tap_cmp_files "kernel overlayfs mount of A:B + U shows the union's view after the build" "$T/view.union.1" "$T/kview.build"
    else
        tap_not_ok "kernel overlayfs mount of A:B + U shows the union's view after the build" "mount failed:"
        tail_diag "$T/kernel.log"
    fi
else
    tap_skip "kernel overlayfs mount of A:B + U shows the union's view after the build" "$ORACLE_SKIP_REASON"
fi
lowers_unchanged "listing the view and running prog"

# --- no-op rebuild ---------------------------------------------------------
snapshot_tree "$U" >"$T/snap.U.0"
in_union make -q >"$T/union.q.log" 2>&1
st=$?
tap_result "second make in the union: make -q says up to date (exit 0)" $st "make -q exit status $st (1 = something would be remade)"
[ $st -eq 0 ] || tail_diag "$T/union.q.log" 10
in_union make >"$T/union.2.log" 2>&1
st=$?
snapshot_tree "$U" >"$T/snap.U.1"
if [ $st -eq 0 ] && grep -Eq "is up to date|Nothing to be done" "$T/union.2.log" &&
    ! grep -Eq '(^| )(cc|gcc|mkdir) ' "$T/union.2.log" && cmp -s "$T/snap.U.0" "$T/snap.U.1"; then
    tap_ok "second make in the union runs no recipe and leaves U unchanged (mtimes included)"
else
    tap_not_ok "second make in the union runs no recipe and leaves U unchanged (mtimes included)" "exit status $st; make output:"
    tail_diag "$T/union.2.log" 10
    diff -u "$T/snap.U.0" "$T/snap.U.1" | tail -n +3 | head -n 20 | tap_diag
fi
lowers_unchanged "the second make"

# --- make clean ------------------------------------------------------------
in_union make clean >"$T/union.clean.log" 2>&1
st=$?
tap_result "make clean in the union succeeds" $st "exit status $st"
[ $st -eq 0 ] || tail_diag "$T/union.clean.log" 10

(cd "$U" 2>/dev/null && find . -mindepth 1 ! -type d -printf '%P %y\n') | sort >"$T/U.nondirs"
printf '%s\n' "prog.old c" "src/stale.o c" >"$T/U.nondirs.expected"
tap_cmp_files "after make clean U holds only directories and whiteouts for prog.old and src/stale.o" \
    "$T/U.nondirs.expected" "$T/U.nondirs"

wh=$(cd "$U" 2>/dev/null && for f in prog.old src/stale.o; do stat -c '%n %F %t,%T' -- "$f" 2>&1; done)
tap_is "the whiteouts are character devices 0/0" \
    "$(printf '%s\n' "prog.old character special file 0,0" "src/stale.o character special file 0,0")" "$wh"

make -C "$P" clean >"$T/native.clean.log" 2>&1
view_tree "$P" >"$T/view.P.2"
in_union "$VIEWTREE" . >"$T/view.union.2" 2>"$T/view.union.err"
st=$?
if [ $st -ne 0 ]; then
    tap_not_ok "union view after make clean equals the native view after make clean" "view-tree in the union failed ($st)"
    tail_diag "$T/view.union.err"
else
    tap_cmp_files "union view after make clean equals the native view after make clean" "$T/view.P.2" "$T/view.union.2"
fi

if [ $KERNEL = 1 ]; then
    if kernel_view clean >"$T/kernel.log" 2>&1; then
        cat "$T/kernel.log"
        tap_cmp_files "kernel overlayfs mount of A:B + U shows the union's view after make clean" "$T/view.union.2" "$T/kview.clean"
    else
        tap_not_ok "kernel overlayfs mount of A:B + U shows the union's view after make clean" "mount failed:"
        tail_diag "$T/kernel.log"
    fi
else
    tap_skip "kernel overlayfs mount of A:B + U shows the union's view after make clean" "$ORACLE_SKIP_REASON"
fi
lowers_unchanged "make clean"

tap_done
