#!/usr/bin/env bats
# unionenv import: an OCI layer into an upper in the kernel's format; bad
# archives refused with nothing written outside the upper.

bats_require_minimum_version 1.5.0
load common

setup() {
    tools_setup
    need_tool import
}
teardown() { tools_teardown; }

# mktar OUT ENTRY...: a tar made by Python's tarfile, which writes what it
# is told (GNU tar would clean "../" and "/" away). ENTRY is TYPE:NAME[:ARG]
# with TYPE f (ARG = data), d, l (symlink, ARG = target), h (hard link).
mktar() {
    python3 - "$@" <<'PY'
import io, sys, tarfile
out, entries = sys.argv[1], sys.argv[2:]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for e in entries:
        typ, name, *rest = e.split(":", 2)
        arg = rest[0] if rest else ""
        ti = tarfile.TarInfo(name)
        ti.mtime = 1600000000
        if typ == "f":
            data = arg.encode()
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
            continue
        ti.type = {"d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}[typ]
        ti.mode = 0o755 if typ == "d" else 0o777
        ti.linkname = arg
        t.addfile(ti)
PY
}

@test "import --help: usage on stdout, status 0" {
    run --separate-stderr ue import --help
    [ "$status" -eq 0 ]
    [[ $output == *"Usage: unionenv import"* ]]
}

@test "import: bad usage: one clear line, status 125" {
    fails_clearly "missing the layer" ue import --upper U
    fails_clearly "missing --upper" ue import l.tar
    fails_clearly "give one layer" ue import --upper U a.tar b.tar
    fails_clearly "unknown option '--bogus'" ue import --bogus
    fails_clearly "'nope.tar': No such file" ue import --upper U nope.tar
    [ ! -e U ]
}

@test "import: not a tar, an empty file, a directory, xz: refused, nothing made" {
    echo "hello, this is no tar" >junk
    : >empty
    mkdir adir
    printf '\375\067\172\130\132\000rest' >fake.xz
    head -c 2000 /dev/urandom >noise
    fails_clearly "'junk': not a tar archive" ue import --upper U junk
    fails_clearly "'empty': not a tar archive (empty)" ue import --upper U empty
    fails_clearly "'adir': is a directory" ue import --upper U adir
    fails_clearly "xz-compressed: not supported" ue import --upper U fake.xz
    fails_clearly "not a tar archive" ue import --upper U noise
    [ ! -e U ]
    echo f >file
    mktar ok.tar f:a:x
    fails_clearly "upper 'file': Not a directory" ue import --upper file ok.tar
    [ "$(cat file)" = f ]
}

@test "import: '../', absolute names, links out, paths through a symlink: refused, nothing written" {
    mkdir outside
    out=$W/outside
    mktar dotdot.tar f:ok:1 f:../escape:x
    mktar dotdot2.tar f:a/../../escape:x
    mktar abs.tar f:ok:1 "f:$out/abs:x"
    mktar through.tar "l:evil:$out" f:evil/x:pwned
    mktar through2.tar "l:evil:../outside" d:evil/sub f:evil/sub/x:pwned
    mktar hard.tar "h:hl:$out/target"
    mktar hard2.tar "h:hl:../outside/target"
    mktar hard3.tar "h:hl:missing"
    mktar notdir.tar f:plain:1 f:plain/x:2
    before=$(tree_sum .)
    fails_clearly "../escape: name with '..'" ue import --upper U dotdot.tar
    fails_clearly "name with '..'" ue import --upper U dotdot2.tar
    fails_clearly "absolute name" ue import --upper U abs.tar
    fails_clearly "evil/x: path goes through a symbolic link of the archive ('evil')" ue import --upper U through.tar
    fails_clearly "goes through a symbolic link" ue import --upper U through2.tar
    fails_clearly "hard link to an absolute name" ue import --upper U hard.tar
    fails_clearly "hard link with '..'" ue import --upper U hard2.tar
    fails_clearly "hard link to a name the archive has not made" ue import --upper U hard3.tar
    fails_clearly "through a non-directory" ue import --upper U notdir.tar
    [ "$(tree_sum .)" = "$before" ]
    [ ! -e U ]
    # from a pipe the entries before the bad one may land, but in U only
    run --separate-stderr ue import --upper U - <through.tar
    [ "$status" -eq 125 ]
    [[ $stderr == *"goes through a symbolic link"* ]]
    [ -z "$(ls -A outside)" ]
}

@test "import: a symlink already in the upper is never followed" {
    mkdir outside U
    ln -s "$W/outside" U/evil
    mktar t.tar f:evil/x:pwned
    fails_clearly "evil/x: path goes through a symbolic link ('evil') in the upper" ue import --upper U t.tar
    [ -z "$(ls -A outside)" ]
}

@test "import: export, import, the same view through the union; diff agrees" {
    need_lib
    make_layers
    make_union_upper
    union_view A:B U >u.view
    ue export --upper U -o l.tar
    ue import --upper U2 l.tar
    union_view A:B U2 >u2.view
    diff u.view u2.view
    # markers in the kernel's form
    [ "$(stat -c %F:%t:%T U2/fa)" = "character special file:0:0" ]
    [ "$(getfattr --only-values -n user.overlay.opaque U2/d2)" = y ]
    if [ -x "$REPO/build/layertools/unionenv-diff" ]; then
        diff <(ue diff --lower A:B --upper U) <(ue diff --lower A:B --upper U2)
    fi
}

@test "import: a kernel overlayfs mount of the imported upper shows the union's view" {
    need_lib
    can_mount_overlay || skip "$ORACLE_SKIP_REASON"
    make_layers
    make_union_upper
    union_view A:B U >u.view
    ue export --upper U -o l.tar
    ue import --upper U2 l.tar
    mount_overlay "$W/A:$W/B" "$W/U2" "$W/work" "$W/mnt"
    view mnt >k.view
    umount_overlay "$W/mnt" 2>/dev/null || umount "$W/mnt"
    diff u.view k.view
}

@test "import: a docker-style layer by GNU tar (./ names, gnu long names, gzip)" {
    mkdir -p L/etc L/opq L/replaced "L/$(printf 'x%.0s' {1..120})"
    echo conf >L/etc/conf
    ln L/etc/conf L/etc/hard
    : >L/.wh.gone
    : >L/opq/.wh..wh..opq
    echo keep >L/opq/kept
    echo long >"L/$(printf 'x%.0s' {1..120})/f"
    : >L/.wh.replaced
    setfattr -n user.meta -v v1 L/etc/conf
    chmod 0750 L/etc
    tar -C L --format=gnu --xattrs --xattrs-include='user.*' -czf l.tgz .
    ue import l.tgz --upper U
    [ "$(stat -c %F:%t:%T U/gone)" = "character special file:0:0" ]
    [ "$(getfattr --only-values -n user.overlay.opaque U/opq)" = y ]
    [ ! -e U/opq/.wh..wh..opq ]
    [ "$(cat U/opq/kept)" = keep ]
    [ "$(stat -c %i U/etc/conf)" = "$(stat -c %i U/etc/hard)" ]
    [ "$(getfattr --only-values -n user.meta U/etc/conf)" = v1 ]
    [ "$(stat -c %a U/etc)" = 750 ]
    [ "$(cat "U/$(printf 'x%.0s' {1..120})/f")" = long ]
    # a whiteout beside the same name of the layer: the layer's entry wins,
    # and a directory there is opaque (it replaces the lowers' one)
    [ -d U/replaced ]
    [ "$(getfattr --only-values -n user.overlay.opaque U/replaced)" = y ]
    [ ! -e U/.wh.gone ]
}

@test "import: PAX names and links longer than 100 bytes, mtimes with nanoseconds" {
    long=$(printf 'p%.0s' {1..200})
    mkdir -p "S/$long"
    echo v >"S/$long/$long"
    ln -s "$long/$long" S/ln
    touch -d '@1600000000.123456789' "S/$long/$long"
    tar -C S --format=posix -cf l.tar .
    ue import --upper U l.tar
    [ "$(cat "U/$long/$long")" = v ]
    [ "$(readlink U/ln)" = "$long/$long" ]
    [ "$(stat -c %Y.%y "U/$long/$long")" = "$(stat -c %Y.%y "S/$long/$long")" ]
}
