#!/bin/bash
# hardlinks.sh - a lower file's hard links stay one file across copy-up
# (issue 13; core/index.h): with --work, the union keeps the kernel's index,
# and a step-by-step script over two lowers holding hard-link groups gives
# what the kernel's overlayfs gives mounted with index=on in the same
# unprivileged format (userxattr, which refuses redirect_dir=on): content,
# size, mode, mtime and st_nlink through every name, and which names are
# one file (-ef).  As root the kernel itself is the oracle, its index is
# compared with the union's, the kernel reads the union's upper and the
# union the kernel's; otherwise the kernel's recorded answer
# (hardlinks.expected) is, and the kernel's parts are skipped visibly.
# The same steps served by the supervisor (a static or Go program's road).
# tests/run: slow (started first under tests/run -j)
got=$(UNIONENV_SUPERVISE=1 union --lower "$T/L1:$T/L2" --upper "$T/SU" --work "$T/SW" -- bash -c "$STEPS" steps "$T/L1" 2>&1)
tap_is "the steps under the supervisor" "$want" "$got"

# Racing copy-ups of two names give one file, and --work is refused where
# the kernel would refuse it.  The lowers are checked unchanged throughout.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init hardlinks

tap_plan 15

# The layers: L1 over L2.  L2 holds a pair across directories (a, d/b), a
# triple (t1, t2, d/t3); L1 a pair of its own (p1, d/p2) and a file with
# one name; d merges both lowers.
make_lowers() {
    rm -rf "$T/L1" "$T/L2"
    mkdir -p "$T/L1/d" "$T/L2/d"
    echo pair >"$T/L2/a" && ln "$T/L2/a" "$T/L2/d/b"
    echo triple >"$T/L2/t1" && ln "$T/L2/t1" "$T/L2/t2" && ln "$T/L2/t1" "$T/L2/d/t3"
    echo top >"$T/L1/p1" && ln "$T/L1/p1" "$T/L1/d/p2"
    echo single >"$T/L1/s"
    touch -d @1500000000 "$T/L2/a" "$T/L2/t1" "$T/L1/p1" "$T/L1/s"
    chmod 0644 "$T/L2/a" "$T/L2/t1" "$T/L1/p1"
}

# The steps, run in the view at $1; what each name shows after each step.
# shellcheck disable=SC2016
SHOW='
cd "$1" || exit 1
show() {
    echo "== $1"
    for n in a d/b t1 t2 d/t3 p1 d/p2 s new d/b2; do
        [ -e "$n" ] || { echo "$n -"; continue; }
        m=$(stat -c %Y "$n"); case $m in 1[56]00000000) ;; *) m=now ;; esac
        mapfile -t lines <"$n"  # read by this very shell, which wrote: its cache
        m="$m ${#lines[@]}"
        printf "%s %s %s %s %s\n" "$n" "$(stat -c "%h %s %a" "$n") $m" "$(cat "$n" | tr "\n" /)" \
            "$([ "$n" -ef a ] && echo =a)$([ "$n" -ef t1 ] && echo =t1)$([ "$n" -ef p1 ] && echo =p1)"
    done
}
'
# shellcheck disable=SC2016
STEPS=$SHOW'
show start
echo more >>a;                 show "write a"
chmod 0600 d/b;                show "chmod d/b"
touch -d @1600000000 t2;       show "touch t2"
echo again >>d/t3;             show "write d/t3"
echo y >>d/b;                  show "write d/b (both names up)"
rm a;                          show "rm a"
ln d/b new;                    show "ln d/b new"
mv d/b d/b2;                   show "mv d/b d/b2"
echo p >>d/p2; rm p1;          show "write d/p2, rm p1"
echo s >>s;                    show "write s"
'

make_lowers
lowers_remember "$T/L1" "$T/L2"
# What the kernel gave (userxattr,index=on), recorded for a run that cannot
# mount it; a run that can compares with the kernel itself, and the record
# with the kernel too.
want=$(cat "$REPO/tests/scenarios/hardlinks.expected")
got=$(union --lower "$T/L1:$T/L2" --upper "$T/U" --work "$T/W" -- bash -c "$STEPS" steps "$T/L1" 2>&1)
if ! can_mount_overlay; then
    tap_is "the steps give the kernel's view (as recorded)" "$want" "$got"
    lowers_unchanged "the steps"
    for d in "the record is the kernel's" "the index is the kernel's" \
        "the kernel reads the union's upper" "the union reads the kernel's upper and index"; do
        tap_skip "$d" "$ORACLE_SKIP_REASON"
    done
    have_kernel=0
else
    have_kernel=1
    mkdir -p "$T/KU" "$T/KW" "$T/M"
    mount -t overlay overlay -o "userxattr,index=on,lowerdir=$T/L1:$T/L2,upperdir=$T/KU,workdir=$T/KW" "$T/M"
    kwant=$(bash -c "$STEPS" steps "$T/M" 2>&1)
    umount_overlay "$T/M"
    tap_is "the steps give the kernel's view" "$kwant" "$got"
    lowers_unchanged "the steps"
    tap_is "the record is the kernel's" "$kwant" "$want"
    # Same entries in both indexes, each with as many links.
    idx() { (cd "$1" && find . -type f -printf '%P %n\n' | sort); }
    tap_is "the index is the kernel's" "$(idx "$T/KW/index")" "$(idx "$T/W/index")"
    # The kernel mounted on what the union wrote sees what the union saw.
    mkdir -p "$T/M2"
    if mount -t overlay overlay -o "userxattr,index=on,lowerdir=$T/L1:$T/L2,upperdir=$T/U,workdir=$T/W" "$T/M2"; then
        kview=$(bash -c "$SHOW"'show final' steps "$T/M2" 2>&1)
        umount_overlay "$T/M2"
        uview=$(union --lower "$T/L1:$T/L2" --upper "$T/U" --work "$T/W" -- bash -c "$SHOW"'show final' steps "$T/L1" 2>&1)
        tap_is "the kernel reads the union's upper" "$kview" "$uview"
    else
        tap_not_ok "the kernel reads the union's upper" "mount refused: $(dmesg | tail -n 3)"
    fi
fi

# The same steps served by the supervisor (a static or Go program's road).
got=$(UNIONENV_SUPERVISE=1 union --lower "$T/L1:$T/L2" --upper "$T/SU" --work "$T/SW" -- bash -c "$STEPS" steps "$T/L1" 2>&1)
tap_is "the steps under the supervisor" "$want" "$got"

# fstat of an fd (stat -, python's os.fstat, an fd opened on a name still
# in the lower) reports the union's count as stat of a name does: the
# triple written through t1 is 3 through every fd, 4 after a link, 3 after
# rm of its lower name t2 (the upper inode counts the index's name too).
# shellcheck disable=SC2016
FSTAT='cd "$1" && echo x >>t1 && stat -c %h - <t1 && stat -c %h - <d/t3 && ln t1 t4 &&
stat -c %h - <t4 && rm t2 && exec 3<d/t3 && stat -c %h - <&3 && stat -c %h - <s &&
python3 -c "import os; print(os.fstat(os.open(\"t1\", os.O_RDONLY)).st_nlink, os.fstat(os.open(\"d/t3\", os.O_PATH)).st_nlink)"'
fwant='3 3 4 3 1 3 3 '
if [ "$have_kernel" = 1 ]; then
    rm -rf "$T/KU" "$T/KW" && mkdir -p "$T/KU" "$T/KW"
    mount -t overlay overlay -o "userxattr,index=on,lowerdir=$T/L1:$T/L2,upperdir=$T/KU,workdir=$T/KW" "$T/M" &&
        fwant=$(bash -c "$FSTAT" fstat "$T/M" 2>&1 | tr '\n' ' ')
    umount_overlay "$T/M"
fi
fgot=$(union --lower "$T/L1:$T/L2" --upper "$T/FU" --work "$T/FW" -- bash -c "$FSTAT" fstat "$T/L1" 2>&1 | tr '\n' ' ')
tap_is "fstat of an fd counts as stat of a name (the kernel's answer)" "$fwant" "$fgot"
lowers_unchanged "fstat"

# Racing copy-ups of two names, both writing: one file holds both lines.
race_bad=0
for i in 1 2 3 4 5 6 7 8; do
    rm -rf "$T/RU" "$T/RW"
    out=$(union --lower "$T/L1:$T/L2" --upper "$T/RU" --work "$T/RW" -- bash -c '
        cd "$1" && { echo one >>a & echo two >>d/b & wait; }
        [ a -ef d/b ] && echo same; sort a | tr "\n" " "; stat -c %h a' race "$T/L1" 2>&1)
    [ "$out" = "$(printf "same\none pair two 2")" ] || { race_bad=1; echo "# race $i: $out"; }
done
tap_check "racing copy-ups give one file" [ "$race_bad" = 0 ]
lowers_unchanged "the races"

# The union going on from a kernel's upper and index: the kernel copies up
# one name; the union shows that copy through the other, still lower name.
if [ "$have_kernel" = 1 ]; then
    rm -rf "$T/KU" "$T/KW" && mkdir -p "$T/KU" "$T/KW"
    mount -t overlay overlay -o "userxattr,index=on,lowerdir=$T/L1:$T/L2,upperdir=$T/KU,workdir=$T/KW" "$T/M" &&
        echo kernel >>"$T/M/t1"
    umount_overlay "$T/M"
    out=$(union --lower "$T/L1:$T/L2" --upper "$T/KU" --work "$T/KW" -- \
        sh -c 'cd "$1" && cat d/t3 | tr "\n" " " && stat -c %h t2 && [ t2 -ef t1 ] && echo same' kread "$T/L1" 2>&1)
    tap_is "the union reads the kernel's upper and index" "triple kernel 3
same" "$out"
fi

# --work as the kernel takes a workdir: one line, 125, nothing made.
refused() {
    local want=$1 out rc
    shift
    out=$(union --lower "$T/L1:$T/L2" --upper "$T/RU" "$@" -- true 2>&1)
    rc=$?
    [ "$rc" = 125 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && case $out in *"$want"*) true ;; *) false ;; esac ||
        echo "# $* -> $rc: $out"
}
bad=$( {
    refused "must not hold one another" --work "$T/RU/w"
    refused "must not hold one another" --work "$T"
    refused "inside lower" --work "$T/L2/w"
    refused "empty --work" --work ''
    refused "given twice" --work "$T/W1" --work "$T/W2"
    echo x >"$T/file"
    refused "not a directory" --work "$T/file"
    if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$T")" ]; then
        refused "not on the upper's filesystem" --work /dev/shm/unionenv-hardlinks-w.$$
    fi
} )
tap_is "bad --work: one line, status 125" "" "$bad"
tap_check "a refused --work made nothing" [ ! -e "$T/RU/w" ] && [ ! -e "$T/W1" ] && [ ! -e "$T/L2/w" ]

# Without --work nothing changes: the names part on copy-up, as before
# (and as the kernel without index).
rm -rf "$T/NU"
out=$(union --lower "$T/L1:$T/L2" --upper "$T/NU" -- sh -c 'cd "$1" && echo z >>a && cat d/b && [ ! -d "$2" ] && echo no-index' n "$T/L1" "$T/NU/../W-none" 2>&1)
tap_is "without --work the names part" "pair
no-index" "$out"
lowers_unchanged "every run"
tap_done
