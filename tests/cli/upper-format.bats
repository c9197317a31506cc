#!/usr/bin/env bats
# --upper-format: the form of the upper's markers (docs/unionenv.1): refused
# values, the form handed to the library, a probe that leaves no trace.
bats_require_minimum_version 1.5.0
load common

setup() { common_setup; }
teardown() {
    mountpoint -q full 2>/dev/null && umount full
    mountpoint -q tu 2>/dev/null && umount tu
    common_teardown
}

@test "--upper-format: an unknown form is refused in one line" {
    refuses "unknown --upper-format 'bogus'" --lower a --upper u --upper-format bogus -- true
    [ ! -e u ]
}

@test "--upper-format given twice is refused" {
    refuses "option '--upper-format' given twice" --lower a --upper u --upper-format xattr --upper-format=aufs -- true
}

@test "--upper-format reaches every process as UNIONENV_UPPER_FORMAT, nothing said" {
    need_lib
    run --separate-stderr "$UE" --lower a --upper u --upper-format oci -- sh -c 'env -i sh -c "echo \$UNIONENV_UPPER_FORMAT"; printenv UNIONENV_UPPER_FORMAT'
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [ "$output" = "$(printf 'aufs\naufs')" ]
}

@test "auto on a plain filesystem: device whiteouts, nothing said, nothing left by the probe" {
    need_lib
    mkdir u
    run --separate-stderr "$UE" --lower a --upper u -- sh -c 'printenv UNIONENV_UPPER_FORMAT; rm a/fa'
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [ "$output" = device ]
    [ "$(stat -c '%F %t:%T' u/fa)" = "character special file 0:0" ]
    rm u/fa
    [ -z "$(ls -A u)" ]
    [ -z "$(ls -A . | grep unionenv)" ]
}

@test "the launcher's probe leaves the upper's and its parent's times" {
    need_lib
    mkdir u
    touch -d @1000000000 u .
    run "$UE" --lower a --upper u -- true
    [ "$status" -eq 0 ]
    [ "$(stat -c '%Y' u .)" = "$(printf '1000000000\n1000000000')" ]
}

# The form a start chose is recorded on the upper's root, so that the next
# start need not walk the upper (tools/formpick.c); a filesystem without
# user xattrs keeps none and walks.
has_user_xattrs() { setfattr -n user.ue-probe -v 1 "$1" 2>/dev/null && setfattr -x user.ue-probe "$1"; }

@test "auto: the form chosen is recorded on the upper's root, and a record stands for the walk" {
    need_lib
    mkdir u
    has_user_xattrs u || skip "no user xattrs on $W's filesystem"
    run "$UE" --lower a --upper u -- true
    [ "$status" -eq 0 ]
    [ "$(getfattr --only-values -n user.overlay.unionenv-form u)" = device ]
    # A record of a later form than the filesystem's first is taken as the
    # form the upper holds, without a marker in it to find.
    setfattr -n user.overlay.unionenv-form -v xattr u
    run --separate-stderr "$UE" --lower a --upper u -- printenv UNIONENV_UPPER_FORMAT
    [ "$status" -eq 0 ]
    [ "$output" = xattr ]
    [[ "$stderr" == *"holds the kernel's xattr whiteouts"* ]]
    # A form given by hand is recorded too: the next auto start keeps it.
    run "$UE" --lower a --upper u --upper-format aufs -- true
    [ "$status" -eq 0 ]
    run --separate-stderr "$UE" --lower a --upper u -- printenv UNIONENV_UPPER_FORMAT
    [ "$output" = aufs ]
}

@test "auto: a record naming an unknown form is not trusted: the upper is walked and the record rewritten" {
    need_lib
    mkdir -p u/d
    has_user_xattrs u || skip "no user xattrs on $W's filesystem"
    : >u/d/.wh.gone
    setfattr -n user.overlay.unionenv-form -v bogus u
    run --separate-stderr "$UE" --lower a --upper u -- printenv UNIONENV_UPPER_FORMAT
    [ "$output" = aufs ]
    [ "$(getfattr --only-values -n user.overlay.unionenv-form u)" = aufs ]
}

@test "the record is no part of the union: not in the root's xattrs, not in diff; convert rewrites it" {
    need_lib
    mkdir u
    has_user_xattrs u || skip "no user xattrs on $W's filesystem"
    run "$UE" --lower a --upper u --upper-format aufs -- rm a/fa
    [ "$status" -eq 0 ]
    [ -e u/.wh.fa ]
    [ "$(cat a/fa)" = A ]   # the lower is never written
    run --separate-stderr "$UE" --lower a --upper u -- python3 -c 'import os; print(sorted(os.listxattr("a")))'
    [ "$status" -eq 0 ]
    [ "$output" = "[]" ]
    # the root is no change: one deletion, as without the record
    run --separate-stderr "$UE" diff --lower a --upper u
    [ "$status" -eq 1 ]
    [ "$output" = "D /fa" ]
    run "$UE" convert --to overlay --quiet u
    [ "$status" -eq 0 ]
    [ "$(getfattr --only-values -n user.overlay.unionenv-form u)" = device ]
    run --separate-stderr "$UE" --lower a --upper u -- printenv UNIONENV_UPPER_FORMAT
    [ "$output" = device ]
    [ "$(stat -c '%F' u/fa)" = "character special file" ]
    # The trusted form is none a union writes: no record, the next start walks.
    if [ "$(id -u)" = 0 ]; then
        run "$UE" convert --to overlay-trusted --quiet u
        [ "$status" -eq 0 ]
        run getfattr --only-values -n user.overlay.unionenv-form u
        [ "$status" -ne 0 ]
    fi
}

# A probe that fails for want of room says nothing of the forms the
# filesystem takes: the start is refused, and the upper keeps its form
# (a fallback recorded then would stay for good).
@test "auto on a full filesystem: refused in one line, the upper's form kept" {
    need_lib
    [ "$(id -u)" = 0 ] || skip "root only (a tmpfs mounted for the test)"
    mkdir full
    mount -t tmpfs -o size=1m,nr_inodes=6 tmpfs full 2>/dev/null || skip "cannot mount a tmpfs here"
    mkdir full/u
    run "$UE" --lower a --upper full/u -- true
    [ "$status" -eq 0 ]
    form=$(getfattr --only-values -n user.overlay.unionenv-form full/u 2>/dev/null || echo none)
    i=0
    while touch "full/fill$i" 2>/dev/null; do i=$((i + 1)); done
    run --separate-stderr "$UE" --lower a --upper full/u -- true
    [ "$status" -ne 0 ]
    [ "${#lines[@]}" -eq 0 ]
    [[ "$stderr" == *"cannot be probed: No space left on device"* ]]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    [ "$(getfattr --only-values -n user.overlay.unionenv-form full/u 2>/dev/null || echo none)" = "$form" ]
}

# An upper, in $up, whose parent takes no probe: a tmpfs of its own for
# root, a directory under a read-only one for a user.
upper_whose_parent_takes_no_probe() {
    need_lib
    command -v strace >/dev/null || skip "no strace"
    if [ "$(id -u)" = 0 ]; then
        mkdir tu
        mount -t tmpfs -o size=1m tmpfs tu 2>/dev/null || skip "cannot mount a tmpfs here"
        up=tu
    else
        mkdir -p p/u
        chmod 555 p
        up=p/u
    fi
    has_user_xattrs "$up" || skip "no user xattrs on the upper's filesystem"
}

# Where the upper's parent takes no probe (another filesystem, or not
# writable), the probe is made in the upper itself, which a union running
# on it would see (its root's times move, an entry comes and goes): once a
# start has recorded the form, the next starts trust the record there.
@test "an upper whose parent takes no probe: probed once, then the record stands" {
    upper_whose_parent_takes_no_probe
    lower_before=$(ls -lAR --time-style=full-iso a)
    run strace -f -qq -e trace=mknodat,mknod -o first.trace "$UE" --lower a --upper "$up" -- true
    [ "$status" -eq 0 ]
    grep -q "$up/.unionenv.probe" first.trace
    [ "$(getfattr --only-values -n user.overlay.unionenv-form "$up")" = device ]
    run strace -f -qq -e trace=mknodat,mknod,openat -o second.trace "$UE" --lower a --upper "$up" -- true
    [ "$status" -eq 0 ]
    ! grep -q "unionenv.probe" second.trace
    [ "$(ls -lAR --time-style=full-iso a)" = "$lower_before" ]
}

# The same for a named form: the harness's processes start with
# --upper-format xattr, and each start probed in the upper while the
# first one's union ran on it (its root listed "changed" now and then).
# A record of that form, or of an earlier one, answers; a named form
# earlier than the record is probed.
@test "an upper whose parent takes no probe, a named form: probed once, then the record stands" {
    upper_whose_parent_takes_no_probe
    lower_before=$(ls -lAR --time-style=full-iso a)
    run strace -f -qq -e trace=mknodat,mknod,openat -o first.trace "$UE" --upper-format xattr --lower a --upper "$up" -- true
    [ "$status" -eq 0 ]
    grep -q "$up/.unionenv.probe" first.trace
    [ "$(getfattr --only-values -n user.overlay.unionenv-form "$up")" = xattr ]
    run strace -f -qq -e trace=mknodat,mknod,openat -o second.trace "$UE" --upper-format xattr --lower a --upper "$up" -- true
    [ "$status" -eq 0 ]
    ! grep -q "unionenv.probe" second.trace
    run strace -f -qq -e trace=mknodat,mknod,openat -o third.trace "$UE" --upper-format aufs --lower a --upper "$up" -- true
    [ "$status" -eq 0 ]
    ! grep -q "unionenv.probe" third.trace
    [ "$(getfattr --only-values -n user.overlay.unionenv-form "$up")" = aufs ]
    run strace -f -qq -e trace=mknodat,mknod,openat -o fourth.trace "$UE" --upper-format xattr --lower a --upper "$up" -- true
    [ "$status" -eq 0 ]
    grep -q "$up/.unionenv.probe" fourth.trace
    [ "$(ls -lAR --time-style=full-iso a)" = "$lower_before" ]
}

# An upper kept from a union with other lowers holds whiteouts in
# directories that no lower holds now.  An O_CREAT|O_EXCL open of a name
# new to such a directory is tried in the upper without a look first
# (core/resolve.c, guess_new); a whiteout of the kernel's forms is there
# at the name, so the kernel's EEXIST sends the open back to the lookup,
# which makes the file over it.  The aufs form's whiteout lies beside the
# name, so there the lookup always comes first: the create must take the
# marker away.
@test "an O_EXCL create over a whiteout left in a directory only the upper holds, in each form" {
    need_lib
    local form
    for form in device xattr aufs; do
        rm -rf u && mkdir -p u/gone
        case $form in
        device) mknod u/gone/w c 0 0 2>/dev/null || { echo "# no whiteout device here: $form skipped"; continue; } ;;
        xattr) has_user_xattrs u || { echo "# no user xattrs: $form skipped"; continue; }
            : >u/gone/w && setfattr -n user.overlay.whiteout -v y u/gone/w &&
            setfattr -n user.overlay.opaque -v x u/gone ;;
        aufs) : >u/gone/.wh.w ;;
        esac
        before=$(lowers_sum)
        run --separate-stderr "$UE" --lower a:b --upper u --upper-format "$form" -- python3 -c '
import os, errno
print(sorted(os.listdir("a/gone")))
fd = os.open("a/gone/w", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
os.write(fd, b"made"); os.close(fd)
try:
    os.open("a/gone/w", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
except OSError as e:
    print(errno.errorcode[e.errno])
print(sorted(os.listdir("a/gone")), open("a/gone/w").read())'
        echo "$form: $status $output $stderr"
        [ "$status" -eq 0 ]
        [ "$output" = $'[]\nEEXIST\n[\'w\'] made' ]
        [ "$(cat u/gone/w)" = made ]
        [ ! -e u/gone/.wh.w ]
        run "$UE" fsck u
        echo "$form fsck: $output"
        [ "$status" -eq 0 ]
        [ "$(lowers_sum)" = "$before" ]
    done
}
