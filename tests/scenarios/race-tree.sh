#!/usr/bin/env bash
# race-tree.sh - racing tree operations leave nothing behind (issue 9).
# Two to six processes race `mkdir -p`, `rm -rf` and `mv -T` over the same
# lower tree, RACE_ROUNDS rounds (default 100), each round over a tree of
# its own so that one union run and one check cover them all.  Whoever
# wins, the upper must hold no work in progress (.unionenv.*), nothing
# `unionenv fsck` finds (a whiteout that hides nothing is debris too), and
# read the same on the kernel's mount as in the union; the lowers stay
# unchanged.  In the device form (RACE_ROUNDS rounds), the xattr and the
# aufs forms (half as many each; the aufs upper read by the kernel once
# converted to its own).  The aufs form joined the default run after
# 5,000 rounds of RACE_FORMS=aufs RACE_ROUNDS=500 left nothing behind
# (session of 2026-12-05); RACE_FORMS picks forms by hand, RACE_CASE
# (0-4) plays every round as round type RACE_CASE.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init race-tree

ROUNDS=${RACE_ROUNDS:-100}
FORMS=${RACE_FORMS:-device xattr aufs}
L=$T/L
for i in $(seq "$ROUNDS"); do
    mkdir -p "$L/t$i/g/c/d" "$L/t$i/g/c/e/f" "$L/t$i/h2"
    for n in 1 2 3; do
        echo "$n" >"$L/t$i/g/c/x$n"
        echo "$n" >"$L/t$i/g/c/d/y$n"
        echo "$n" >"$L/t$i/g/c/e/f/z$n"
    done
done
lowers_remember "$L"

# The racers of round i, by i: 2, 3, 4, 5 and 6 of them; $1 rounds.
RACE='
for i in $(seq "$1"); do
    cd "$0/t$i" || exit 1
    case ${RACE_CASE:-$((i % 5))} in
    0) mv -T g/c h & rm -rf g/c & wait ;;
    1) mv -T g/c h & rm -rf g/c & mv -T g/c h & wait ;;
    2) mv -T g/c h & mv -T g/c h & rm -rf h & mkdir -p g/c/d/n & wait ;;
    3) rm -rf g/c & rm -rf g & mv -T g/c h & mkdir -p h/q & mv -T g h2 & wait ;;
    4) mkdir -p g/c/d/n h/q & mv -T g/c h & rm -rf g/c & mv -T g/c h & rm -rf h & mkdir -p g/c/e/k & wait ;;
    esac
done 2>/dev/null
exit 0'

# view DIR: every name below DIR with its type, sorted.
view() { (cd "$1" && find . -printf '%y %p\n' | LC_ALL=C sort); }

# check FORM UPPER: the three checks of one upper.
check() {
    local form=$1 up=$2 rounds=$3 left out kv uv fsck_form=overlay
    left=$(cd "$up" && find . -name '.unionenv.*')
    tap_is "$form: no temporary name left in the upper after $rounds racing rounds" "" "$left"
    # The xattr form is not the kernel's default for an upper: fsck says so
    # of every marker; anything else it says is a finding.
    [ "$form" = aufs ] && fsck_form=aufs
    out=$("$REPO/unionenv.sh" fsck --form "$fsck_form" --lower "$L" "$up" 2>&1 | grep -v 'in the xattr whiteout form')
    tap_is "$form: unionenv fsck finds nothing" "" "$out"
    if ! can_mount_overlay; then
        tap_skip "$form: the kernel reads the upper as the union does" "$ORACLE_SKIP_REASON"
        return
    fi
    uv=$(union --lower "$L" --upper "$up" --upper-format "$form" -- bash -c "cd '$L' && find . -printf '%y %p\n' | LC_ALL=C sort")
    # The kernel reads xattr whiteouts in a lower layer only: the upper is
    # mounted as one, above the lower.
    case $form in
    device) mount_overlay "$L" "$up" "$T/W.$form" "$T/M.$form" ;;
    xattr) mount_overlay_ro "$up:$L" "$T/M.$form" ;;
    aufs)
        cp -a "$up" "$T/C.$form"
        "$REPO/unionenv.sh" convert --to overlay "$T/C.$form" >/dev/null
        mount_overlay "$L" "$T/C.$form" "$T/W.$form" "$T/M.$form"
        ;;
    esac
    kv=$(view "$T/M.$form")
    umount_overlay "$T/M.$form"
    if [ "$uv" = "$kv" ]; then tap_ok "$form: the kernel reads the upper as the union does"; else
        tap_not_ok "$form: the kernel reads the upper as the union does"
        diff <(printf '%s\n' "$uv") <(printf '%s\n' "$kv") | head -n 20 | tap_diag
    fi
}

set -- $FORMS
tap_plan $(($# * 3 + 1))
for form in $FORMS; do
    rounds=$ROUNDS
    [ "$form" = device ] || rounds=$((ROUNDS / 2))
    union --lower "$L" --upper "$T/U.$form" --upper-format "$form" -- bash -c "$RACE" "$L" "$rounds"
    check "$form" "$T/U.$form" "$rounds"
done
lowers_unchanged "the racing rounds in each form"
tap_done
