#!/bin/bash
# upper-formats.sh - the upper on filesystems that cannot hold whiteout
# devices (issue 4, DESIGN.md "On-disk format"): a job that leaves every
# kind of marker runs with its upper on real filesystems of each kind (as
# root: a nested overlayfs mount in its default and in its userxattr mode,
# which refuse 0/0 devices and take user xattrs; FUSE's exfat, which holds
# neither), step by step, one launch per step, and the merged view is
# compared with a kernel overlayfs mount of the same lowers.  Also: the
# probe's claims about each filesystem, the form said once on stderr, the
# kernel reading the xattr form as a lower, `unionenv convert`, `diff` and
# `export` reading both forms.  As an ordinary user (no mounts) the same
# job runs through --upper-format and is compared with the device form.
#   env: UNION_CMD, KEEP_TMP
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
UNION_TIMEOUT=${UNION_TIMEOUT:-120}
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init upper-formats
UE=$REPO/unionenv.sh

make_layers() {  # make_layers A B
    mkdir -p "$1" "$2" || return 1
    (
        set -e
        cd "$1"
        mkdir -p d1 d2 keep sub/deep
        echo f1 >f1; echo a >d1/a; echo b >d1/b; echo x >d2/x; echo k >keep/k; echo da >sub/deep/a
    ) && (
        set -e
        cd "$2"
        mkdir -p d1 d3 sub/deep e
        echo f2 >f2; echo c >d1/c; echo y >d3/y; echo z >d3/z; echo db >sub/deep/b
    ) && {
        # a user xattr to copy up (an upper on exfat cannot hold it)
        ! command -v setfattr >/dev/null || setfattr -n user.k -v v "$1/d1/b"
    } && find "$1" "$2" -exec touch -h -d @1600000000 {} +
}

# The job: each step one launch (all state goes through the upper).
STEPS=(
    "rm f1 f2"
    "rm d1/a d1/c && ls d1"
    "rm -r d3"
    "mkdir d3 && echo new > d3/n"
    "echo again > f1"
    "mv d2 d2moved"
    "mv keep/k keep/k2"
    "rmdir e && mkdir e && touch e/t"
    "rm -r sub/deep && mkdir sub/deep"
    "echo changed > d1/b && rm d1/b && rmdir d1"
    "mkdir d1"
    "mv d2moved d2"
    "echo data > f2 && mv f2 f1"
)

# view DIR [nomode]: the merged view; without modes where the filesystem
# has none (exfat).
view() {
    if [ "${2:-}" = nomode ]; then view_tree "$1" | cut -f1,2,4,5; else view_tree "$1"; fi
}

# run_union A B U [OPTION...]: the job in a union; stderr of every launch
# into $U.err; the final view into $U.view.
run_union() {
    local a=$1 b=$2 u=$3 s
    shift 3
    : >"$u.err"
    for s in "${STEPS[@]}"; do
        (cd "$a" && union "$@" --lower "$a:$b" --upper "$u" -- bash -c "$s") >/dev/null 2>>"$u.err" || return 1
    done
    (cd "$a" && union "$@" --lower "$a:$b" --upper "$u" -- "$REPO/tests/lib/view-tree" .) >"$u.view" 2>>"$u.err"
}

# run_bare A B U: the job with the library alone, no launcher (so no probe,
# no UNIONENV_UPPER_FORMAT): it must find its form by itself, silently.
run_bare() {
    local a=$1 b=$2 u=$3 s
    mkdir -p "$u" && : >"$u.err" || return 1
    for s in "${STEPS[@]}" "$REPO/tests/lib/view-tree ."; do
        (cd "$a" && env -u UNIONENV_UPPER_FORMAT UNIONENV_LOWER="$a:$b" UNIONENV_UPPER="$u" UNIONENV_MOUNT="$a" \
            LD_PRELOAD="$REPO/build/libunionenv.so" bash -c "$s") >"$u.view" 2>>"$u.err" || return 1
    done
}

# run_kernel A B DIR: the job on a kernel overlayfs mount of copies of the lowers.
run_kernel() {
    local a=$1 b=$2 k=$3 s
    mkdir -p "$k" && cp -a "$a" "$k/A" && cp -a "$b" "$k/B" || return 1
    mount_overlay "$k/A:$k/B" "$k/U" "$k/W" "$k/M" || return 1
    for s in "${STEPS[@]}"; do
        (cd "$k/M" && bash -c "$s") >/dev/null 2>&1
    done
    view "$k/M" >"$k.view"
    umount_overlay "$k/M"
}

# The markers of an upper, by kind: "device N xattr N aufs N".
marker_count() {
    local u=$1 dev xat aufs
    dev=$(find "$u" -type c | wc -l)
    aufs=$(find "$u" -name '.wh.*' | wc -l)
    xat=$(getfattr -R -h -m '^user\.overlay\.whiteout$' "$u" 2>/dev/null | grep -c '^# file:')
    echo "device $dev xattr $xat aufs $aufs"
}

check_markers() {  # check_markers DESC U FORM
    local c
    c=$(marker_count "$2")
    case $3:$c in
    device:"device "[1-9]*" xattr 0 aufs 0" | xattr:"device 0 xattr "[1-9]*" aufs 0" | aufs:"device 0 xattr 0 aufs "[1-9]*)
        tap_ok "$1" ;;
    *) tap_not_ok "$1" "markers found: $c" ;;
    esac
}

# The layer tools read every form: what they say of this upper is what
# they say of the device-form upper of the same job.
check_tools() {  # check_tools NAME U REF_U A B
    local name=$1 u=$2 ref=$3 a=$4 b=$5
    "$UE" diff --upper "$u" --lower "$a:$b" >"$u.diff" 2>&1
    "$UE" diff --upper "$ref" --lower "$a:$b" >"$ref.diff" 2>&1
    tap_cmp_files "$name: unionenv diff reads the upper as the device form's" "$ref.diff" "$u.diff"
    "$UE" export --upper "$u" --lower "$a:$b" -o "$u.tar" 2>"$u.tar.err" &&
        tar -tf "$u.tar" | LC_ALL=C sort >"$u.tar.list"
    "$UE" export --upper "$ref" --lower "$a:$b" -o "$ref.tar" 2>/dev/null &&
        tar -tf "$ref.tar" | LC_ALL=C sort >"$ref.tar.list"
    tap_cmp_files "$name: unionenv export writes the entries of the device form's" "$ref.tar.list" "$u.tar.list"
}

A=$T/A B=$T/B
make_layers "$A" "$B" || { tap_plan 1; tap_not_ok "make the layers"; tap_done; exit 1; }
snapshot_tree "$A" >"$T/snap.A.0"
snapshot_tree "$B" >"$T/snap.B.0"

ROOT=0
can_mount_overlay && ROOT=1
EXFAT=0
if [ $ROOT = 1 ] && command -v mkfs.exfat >/dev/null && command -v mount.exfat-fuse >/dev/null &&
    command -v losetup >/dev/null && [ -e /dev/fuse ]; then
    EXFAT=1
elif [ $ROOT = 1 ]; then
    echo "# SKIP exfat as the upper's filesystem: mkfs.exfat, mount.exfat-fuse, losetup or /dev/fuse missing (scripts/install-deps.sh)"
fi
tap_plan $((14 + ROOT * 29 + EXFAT * 8))

# --- the forms by hand, on a plain filesystem (any user) ------------------------
run_union "$A" "$B" "$T/Udev" --upper-format device
tap_result "device form: the job runs" $? "$(head -n 5 "$T/Udev.err")"
for form in xattr aufs; do
    run_union "$A" "$B" "$T/U$form" --upper-format "$form"
    tap_result "--upper-format $form: the job runs, nothing said" $? "$(head -n 5 "$T/U$form.err")"
    tap_cmp_files "--upper-format $form: the view equals the device form's" "$T/Udev.view" "$T/U$form.view"
    check_markers "--upper-format $form: the upper holds $form markers only" "$T/U$form" "$form"
    check_tools "--upper-format $form" "$T/U$form" "$T/Udev" "$A" "$B"
done
# An upper that holds markers keeps its form, said once, where the
# filesystem would take devices.
for form in xattr aufs; do
    (cd "$A" && union --lower "$A:$B" --upper "$T/U$form" -- bash -c 'rm f1; touch f1; rm f1; rm keep/k2') 2>"$T/keep.err" >/dev/null
    want="device 0 xattr N aufs 0"
    [ $form = aufs ] && want="device 0 xattr 0 aufs N"
    tap_is "an upper in the $form form is written in it again, said once" "1 $want" \
        "$(grep -c "holds .*: writing that form" "$T/keep.err") $(marker_count "$T/U$form" | sed 's/[1-9][0-9]*/N/g')"
done

# --- real filesystems (root) -----------------------------------------------------
if [ $ROOT = 1 ]; then
    # The kernel's view of the job: the reference for every filesystem.
    run_kernel "$A" "$B" "$T/K" || tap_diag "kernel run failed"
    tap_cmp_files "the device form's view equals the kernel's" "$T/K.view" "$T/Udev.view"
    for mode in trusted userxattr; do
        F=$T/ovl-$mode
        mkdir -p "$F/l" "$F/u" "$F/w" "$F/m"
        opt=lowerdir=$F/l,upperdir=$F/u,workdir=$F/w
        [ $mode = userxattr ] && opt=userxattr,$opt
        if ! mount -t overlay overlay -o "$opt" "$F/m" 2>"$F.err"; then
            for i in $(seq 14); do tap_not_ok "overlayfs ($mode) as the upper's filesystem" "mount: $(cat "$F.err")"; done
            continue
        fi
        # The claims the design rests on, checked on the mount itself.
        mknod "$F/m/probe" c 0 0 2>"$F.mknod" && rm -f "$F/m/probe"
        grep -q 'Operation not permitted' "$F.mknod"
        tap_result "overlayfs ($mode) refuses a 0/0 device (EPERM)" $? "$(cat "$F.mknod")"
        touch "$F/m/x" && setfattr -n user.overlay.whiteout -v y "$F/m/x" &&
            [ "$(getfattr --only-values -n user.overlay.whiteout "$F/m/x" 2>/dev/null)" = y ]
        tap_result "overlayfs ($mode) takes user.overlay.* xattrs (escaped in userxattr mode) and reads them back" $?
        rm -f "$F/m/x"
        U=$F/m/U
        run_union "$A" "$B" "$U"
        tap_result "overlayfs ($mode): the job runs" $? "$(head -n 5 "$U.err")"
        tap_is "overlayfs ($mode): the xattr form is said once per launch" "$((${#STEPS[@]} + 1))" \
            "$(grep -c "cannot hold whiteout devices (char 0/0): writing the kernel's xattr whiteouts" "$U.err")"
        check_markers "overlayfs ($mode): the upper holds xattr whiteouts" "$U" xattr
        tap_cmp_files "overlayfs ($mode): the view equals the kernel's" "$T/K.view" "$U.view"
        # The kernel reads xattr whiteouts in a lower layer: the upper, copied
        # off the nested mount, as the highest lower.
        cp -a "$U" "$F/Ucopy" && mount_overlay_ro "$F/Ucopy:$A:$B" "$F/km" &&
            view "$F/km" >"$F/km.view" && umount_overlay "$F/km"
        tap_cmp_files "overlayfs ($mode): the kernel reads the upper as a lower and shows the same view" "$T/K.view" "$F/km.view"
        # ... and as an upper once converted to its own form.
        cp -a "$U" "$F/Uconv" && "$UE" convert --to overlay "$F/Uconv" >/dev/null &&
            mount_overlay "$A:$B" "$F/Uconv" "$F/kw" "$F/kc" && view "$F/kc" >"$F/kc.view" && umount_overlay "$F/kc"
        tap_cmp_files "overlayfs ($mode): unionenv convert --to overlay gives an upper the kernel reads the same" "$T/K.view" "$F/kc.view"
        check_tools "overlayfs ($mode)" "$U" "$T/Udev" "$A" "$B"
        out=$(cd "$A" && union --upper-format device --lower "$A:$B" --upper "$F/m/Udev" -- true 2>&1)
        st=$?
        [ $st = 125 ] && [ "$out" = "unionenv: upper '$F/m/Udev' cannot hold whiteout devices (char 0/0) (its filesystem refuses them)" ] &&
            [ ! -e "$F/m/Udev" ]
        tap_result "overlayfs ($mode): --upper-format device is refused in one line, nothing made" $? "status $st: $out"
        run_bare "$A" "$B" "$F/m/Ubare"
        tap_result "overlayfs ($mode), no launcher: the job runs, nothing said" $? "$(head -n 5 "$F/m/Ubare.err")"
        [ ! -s "$F/m/Ubare.err" ] && cmp -s "$T/K.view" "$F/m/Ubare.view"
        tap_result "overlayfs ($mode), no launcher: the library falls back by itself, the view equals the kernel's" $? \
            "$(diff "$T/K.view" "$F/m/Ubare.view" | head -n 20)"
        check_markers "overlayfs ($mode), no launcher: the upper holds xattr whiteouts" "$F/m/Ubare" xattr
        umount_overlay "$F/m"
    done
    if [ $EXFAT = 1 ]; then
        X=$T/exfat
        mkdir -p "$X/m"
        truncate -s 64M "$X.img" && mkfs.exfat "$X.img" >/dev/null 2>&1 &&
            LOOP=$(losetup -f --show "$X.img" 2>/dev/null) && mount.exfat-fuse "$LOOP" "$X/m" >/dev/null 2>&1
        if ! mountpoint -q "$X/m"; then
            for i in $(seq 8); do tap_skip "exfat as the upper's filesystem" "cannot mount a FUSE exfat image"; done
        else
            mknod "$X/m/probe" c 0 0 2>/dev/null; st=$?
            rm -f "$X/m/probe"
            touch "$X/m/x"
            setfattr -n user.k -v y "$X/m/x" 2>/dev/null
            tap_is "exfat refuses devices and user xattrs" "1 1" "$((st != 0)) $(($? != 0))"
            rm -f "$X/m/x"
            U=$X/m/U
            run_union "$A" "$B" "$U"
            tap_result "exfat: the job runs" $? "$(head -n 5 "$U.err")"
            tap_is "exfat: the aufs form is said once per launch" "$((${#STEPS[@]} + 1))" \
                "$(grep -c 'nor user xattrs: writing aufs' "$U.err")"
            check_markers "exfat: the upper holds aufs markers" "$U" aufs
            cut -f1,2,4,5 "$T/K.view" >"$X/K.view"
            cut -f1,2,4,5 "$U.view" >"$X/U.view"
            tap_cmp_files "exfat: the view (names, types, sizes, data) equals the kernel's" "$X/K.view" "$X/U.view"
            cp -a "$U" "$X/Uconv" && "$UE" convert --to overlay "$X/Uconv" >/dev/null &&
                mount_overlay "$A:$B" "$X/Uconv" "$X/kw" "$X/kc" && view "$X/kc" nomode >"$X/kc.view" &&
                umount_overlay "$X/kc"
            tap_cmp_files "exfat: unionenv convert --to overlay gives an upper the kernel reads the same" "$X/K.view" "$X/kc.view"
            # A lower's fifo is brought up at its open (core/ops.c); an
            # upper that holds no fifo opens it where it lies.
            mkdir -p "$X/fl" "$X/m/Ufifo"
            mkfifo "$X/fl/p"
            got=$(cd "$X/fl" && timeout -k 5 20 "$UE" --lower "$X/fl" --upper "$X/m/Ufifo" -- \
                sh -c 'cat p & sleep 0.2; echo through > p; wait' 2>/dev/null)
            tap_is "exfat: a lower's fifo, which the upper cannot hold, opens where it lies" through "$got"
            tap_check "exfat: ... and its lower holds the fifo alone, still a fifo (its times move: docs/semantics.md)" \
                test "$(ls -A "$X/fl")" = p -a -p "$X/fl/p"
            umount "$X/m" 2>/dev/null || umount -l "$X/m"
        fi
        [ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null
    fi
else
    echo "# SKIP real filesystems (nested overlayfs, exfat): $ORACLE_SKIP_REASON; the forms ran through --upper-format only"
fi

snapshot_tree "$A" >"$T/snap.A.1"
snapshot_tree "$B" >"$T/snap.B.1"
cmp -s "$T/snap.A.0" "$T/snap.A.1" && cmp -s "$T/snap.B.0" "$T/snap.B.1"
tap_result "lowers A and B unchanged" $? "$(diff "$T/snap.A.0" "$T/snap.A.1" | head; diff "$T/snap.B.0" "$T/snap.B.1" | head)"
tap_done
