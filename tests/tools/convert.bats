#!/usr/bin/env bats
# unionenv convert: markers between the kernel's userxattr form, the aufs/OCI
# form and the kernel's trusted form; round trips lose nothing.

bats_require_minimum_version 1.5.0
load common

setup() {
    tools_setup
    need_tool convert
}
teardown() { tools_teardown; }

@test "convert --help: usage on stdout, status 0" {
    run --separate-stderr ue convert --help
    [ "$status" -eq 0 ]
    [[ $output == *"Usage: unionenv convert"* ]]
}

@test "convert: bad usage: one clear line, status 125" {
    mkdir U
    echo f >file
    fails_clearly "missing --to" ue convert U
    fails_clearly "unknown form 'zfs'" ue convert --to zfs U
    fails_clearly "missing the upper" ue convert --to aufs
    fails_clearly "upper 'file': Not a directory" ue convert --to aufs file
    fails_clearly "upper 'nope': No such file" ue convert --to aufs nope
    fails_clearly "unexpected argument 'more'" ue convert --to aufs U more
    if [ "$(id -u)" -ne 0 ]; then
        fails_clearly "overlay-trusted needs root" ue convert --to overlay-trusted U
    fi
}

@test "convert: overlay -> aufs -> overlay round-trips without loss, and the meaning stays" {
    need_lib
    make_layers
    make_union_upper
    setfattr -n user.keep -v me U/new
    layer_snapshot U >s0
    before=$(ue diff --lower A:B --upper U 2>&1 || true)
    ue convert --to aufs U
    # aufs form: no device whiteouts, no opaque xattrs
    [ -z "$(find U -type c)" ]
    [ -f U/.wh.fa ] && [ -f U/.wh.d3 ] && [ -f U/d2/.wh..wh..opq ]
    ! getfattr -n user.overlay.opaque U/d2 2>/dev/null
    [ "$(ue diff --lower A:B --upper U 2>&1 || true)" = "$before" ]
    ue convert --to overlay U
    layer_snapshot U >s1
    diff s0 s1
}

@test "convert: run again, nothing changes; an interrupted run is finished" {
    mkdir -p U/o B/o
    mknod U/gone c 0 0
    chmod 0 U/gone
    setfattr -n user.overlay.opaque -v y U/o
    layer_snapshot U >s0
    ue convert --to overlay U
    layer_snapshot U >s1
    diff s0 s1
    # the state convert can be stopped in: the new marker made, the old one
    # not yet removed, and a temporary name of its own
    ue convert --to aufs U
    mknod U/gone c 0 0
    chmod 0 U/gone
    touch -r U/.wh.gone U/gone
    mknod U/.unionenv.cv.999.0 c 0 0
    [ -e U/o/.wh..wh..opq ]
    setfattr -n user.overlay.opaque -v y U/o
    ue convert --to overlay U
    [ ! -e U/.wh.gone ] && [ ! -e U/.unionenv.cv.999.0 ] && [ ! -e U/o/.wh..wh..opq ]
    [ "$(stat -c %F:%t:%T U/gone)" = "character special file:0:0" ]
    [ "$(getfattr --only-values -n user.overlay.opaque U/o)" = y ]
}

@test "convert: the kernel's xattr whiteouts and fuse-overlayfs' opaque xattr are read" {
    mkdir -p U/d U/f
    : >U/d/wx
    setfattr -n user.overlay.whiteout -v y U/d/wx
    setfattr -n user.overlay.whiteouts -v y U/d
    setfattr -n user.fuseoverlayfs.opaque -v y U/f
    ue convert --to overlay U
    [ "$(stat -c %F:%t:%T U/d/wx)" = "character special file:0:0" ]
    ! getfattr -n user.overlay.whiteouts U/d 2>/dev/null
    [ "$(getfattr --only-values -n user.overlay.opaque U/f)" = y ]
    ! getfattr -n user.fuseoverlayfs.opaque U/f 2>/dev/null
}

@test "convert: a redirect is refused before anything changes" {
    mkdir -p U/moved
    mknod U/old c 0 0
    setfattr -n user.overlay.redirect -v /old U/moved
    layer_snapshot U >s0
    fails_clearly "moved: has an overlay.redirect xattr ('/old'" ue convert --to aufs U
    layer_snapshot U >s1
    diff s0 s1
}

@test "convert: overlay-trusted is what a root kernel mount without userxattr reads" {
    need_root "trusted.* xattrs"
    need_lib
    can_mount_overlay || skip "$ORACLE_SKIP_REASON"
    make_layers
    make_union_upper
    union_view A:B U >u.view
    layer_snapshot U >s0
    ue convert --to overlay-trusted U
    [ "$(getfattr --only-values -n trusted.overlay.opaque U/d2)" = y ]
    ! getfattr -n user.overlay.opaque U/d2 2>/dev/null
    mkdir -p work mnt
    mount -t overlay overlay -o "lowerdir=$W/A:$W/B,upperdir=$W/U,workdir=$W/work" "$W/mnt"
    view mnt >k.view
    umount "$W/mnt"
    diff u.view k.view
}

@test "convert: overlay -> overlay-trusted -> overlay round-trips" {
    need_root "trusted.* xattrs"
    mkdir -p U/o/deep
    mknod U/w c 0 0
    setfattr -n user.overlay.opaque -v y U/o
    setfattr -n user.x -v 1 U/o/deep
    layer_snapshot U >s0
    ue convert --to overlay-trusted U
    ue convert --to overlay U
    layer_snapshot U >s1
    diff s0 s1
}

@test "convert --lower: a root kernel's redirects and metacopy files are materialised; a userxattr kernel then reads the same" {
    need_root "a kernel mount with redirect_dir and metacopy"
    need_lib
    can_mount_overlay || skip "$ORACLE_SKIP_REASON"
    mkdir -p L/d/sub L/p L/other U work mnt
    echo a >L/d/a
    echo b >L/d/b
    echo s >L/d/sub/s
    echo m >L/meta
    mount -t overlay overlay -o "lowerdir=$W/L,upperdir=$W/U,workdir=$W/work,redirect_dir=on,metacopy=on,index=on" "$W/mnt"
    mv mnt/d mnt/e
    mv mnt/e/sub mnt/p/sub2
    rm mnt/e/b
    chmod 600 mnt/e/a mnt/meta
    view mnt >k.view
    umount "$W/mnt"
    getfattr -n trusted.overlay.redirect U/e >/dev/null
    getfattr -n trusted.overlay.metacopy U/meta >/dev/null
    fails_clearly "has an overlay.redirect xattr" ue convert --to overlay U
    layer_snapshot L >l0
    ue convert --to overlay --lower L U
    layer_snapshot L >l1
    diff l0 l1
    ! getfattr -n trusted.overlay.redirect U/e 2>/dev/null
    ! getfattr -n trusted.overlay.metacopy U/meta 2>/dev/null
    [ "$(cat U/meta)" = m ]
    [ "$(cat U/e/a)" = a ]
    [ "$(cat U/p/sub2/s)" = s ]
    rm -rf work && mkdir work
    mount -t overlay overlay -o "userxattr,lowerdir=$W/L,upperdir=$W/U,workdir=$W/work" "$W/mnt"
    view mnt >u.view
    umount "$W/mnt"
    diff k.view u.view
    # Again: nothing left to do.
    run ue convert --to overlay -v --lower L U
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}
