#!/usr/bin/env bats
# unionenv export: the upper as an OCI image layer, read back by GNU tar.

bats_require_minimum_version 1.5.0
load common

setup() {
    tools_setup
    need_tool export
}
teardown() { tools_teardown; }

@test "export --help: usage on stdout, status 0" {
    run --separate-stderr ue export --help
    [ "$status" -eq 0 ]
    [[ $output == *"Usage: unionenv export"* ]]
}

@test "export: bad usage and bad layers: one clear line, status 125, no archive" {
    mkdir -p U/sub A
    echo f >notdir
    before=$(tree_sum .)
    fails_clearly "missing -o" ue export --upper U
    fails_clearly "missing --upper" ue export -o l.tar
    fails_clearly "--gzip and --zstd" ue export --upper U -o l.tar --gzip --zstd
    fails_clearly "upper 'notdir': Not a directory" ue export --upper notdir -o l.tar
    fails_clearly "upper 'gone': No such file" ue export --upper gone -o l.tar
    fails_clearly "inside the upper" ue export --upper U -o U/sub/l.tar
    fails_clearly "is a directory" ue export --upper U -o A
    fails_clearly "output 'nodir/l.tar'" ue export --upper U -o nodir/l.tar
    fails_clearly "lower 'nolower'" ue export --upper U --lower nolower -o l.tar
    fails_clearly "unknown option '--bogus'" ue export --bogus
    [ "$(tree_sum .)" = "$before" ]
}

@test "export: GNU tar plus the OCI whiteout rules give back the union's view" {
    need_lib
    make_layers
    make_union_upper
    union_view A:B U >union.view
    ue export --upper U -o layer.tar
    mkdir R
    cp -a B/. R/
    cp -a A/. R/
    oci_apply layer.tar R
    view R >oci.view
    diff union.view oci.view
    # the lowers are untouched by all this
    [ "$(cat A/fa)" = a ]
}

@test "export: the OCI markers, in order: a directory, then its opaque marker" {
    need_lib
    make_layers
    make_union_upper
    ue export --upper U --lower A:B -o layer.tar
    tar -tf layer.tar >list
    cat list
    grep -qx 'd2/' list
    [ "$(grep -A1 -x 'd2/' list | tail -n1)" = d2/.wh..wh..opq ]
    grep -qx '.wh.fa' list
    grep -qx '.wh.d3' list
    grep -qx '.wh.link' list
    # whiteouts and markers are empty regular files
    tar -tvf layer.tar | grep -E ' \.wh\.fa$' | grep -q '^-'
    # and the listing is what `diff --format oci` announces
    [ -x "$REPO/build/layertools/unionenv-diff" ] || skip "diff not built"
    run --separate-stderr ue diff --upper U --lower A:B --format oci
    [ "$output" = "$(cat list)" ]
}

@test "export: reproducible bytes; SOURCE_DATE_EPOCH clamps the times" {
    mkdir -p U/d/e
    echo one >U/d/f
    echo two >U/d/e/g
    ln -s f U/d/l
    ue export --upper U -o 1.tar
    ue export --upper U -o 2.tar
    cmp 1.tar 2.tar
    # the same content made again later, in another order: other inodes,
    # other times; clamped to the same epoch, the same bytes
    mkdir -p V/d/e
    echo two >V/d/e/g
    ln -s f V/d/l
    echo one >V/d/f
    touch -h -d @1700000000 U/d/l U/d/f U/d/e/g U/d/e U/d U
    SOURCE_DATE_EPOCH=1600000000 ue export --upper U -o 3.tar
    SOURCE_DATE_EPOCH=1600000000 ue export --upper V -o 4.tar
    cmp 3.tar 4.tar
    tar -tvf 3.tar --full-time | grep -v '2020-09-13 12:26:40' && return 1
    fails_clearly "SOURCE_DATE_EPOCH 'soon'" env SOURCE_DATE_EPOCH=soon "$REPO/build/unionenv-export" --upper U -o 5.tar
    [ ! -e 5.tar ]
}

@test "export: hard links, xattrs, long names, long link targets, fifos" {
    mkdir -p U/a
    echo data >U/a/orig
    ln U/a/orig U/hard
    setfattr -n user.note -v "$(printf 'x\ty')" U/a/orig
    setfattr -n user.overlay.opaque -v y U/a
    long=$(printf 'n%.0s' {1..150})
    deep=$(printf 'dir%03d/' {1..40})
    mkdir -p "U/$deep"
    echo deep >"U/$deep$long"
    ln -s "$(printf 't%.0s' {1..300})" U/longlink
    mkfifo U/fifo
    ue export --upper U -o l.tar
    tar -tvf l.tar >list
    cat list
    grep -q '^hrw.* hard link to a/orig$' list
    grep -q "^-.* $deep$long\$" list
    grep -q '^p' list
    mkdir X
    tar -xpf l.tar -C X --xattrs --xattrs-include='*'
    [ "$(cat "X/$deep$long")" = deep ]
    [ "$(readlink X/longlink)" = "$(readlink U/longlink)" ]
    [ "$(stat -c %i X/hard)" = "$(stat -c %i X/a/orig)" ]
    [ "$(getfattr --only-values -n user.note X/a/orig)" = "$(printf 'x\ty')" ]
    # the overlay's own markers are not xattrs of the layer
    ! getfattr -n user.overlay.opaque X/a 2>/dev/null
    grep -qx 'a/.wh..wh..opq' <(tar -tf l.tar)
}

@test "export: --gzip, --zstd and -o - hold the same archive" {
    mkdir -p U/d
    echo hello >U/d/f
    ue export --upper U -o plain.tar
    ue export --upper U -o - >stdout.tar
    cmp plain.tar stdout.tar
    ue export --upper U --gzip -o l.tar.gz
    gzip -dc l.tar.gz | cmp - plain.tar
    ue export --upper U --gzip -o l2.tar.gz
    cmp l.tar.gz l2.tar.gz
    if command -v zstd >/dev/null; then
        ue export --upper U --zstd -o l.tar.zst
        zstd -qdc l.tar.zst | cmp - plain.tar
    fi
}

@test "export: leftovers of copy-ups are left out, with one warning" {
    mkdir -p U
    echo x >U/f
    echo half >U/.unionenv.123.0
    run --separate-stderr ue export --upper U -o l.tar
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ $stderr == *"temporary name"*fsck* ]]
    [ "$(tar -tf l.tar)" = f ]
}

@test "export: an unreadable file stops it, and no archive is left" {
    [ "$(id -u)" -ne 0 ] || skip "root reads every file"
    mkdir -p U
    echo secret >U/f
    chmod 000 U/f
    fails_clearly "f: cannot read: Permission denied" ue export --upper U -o l.tar
    [ -z "$(ls)" ] || [ "$(ls)" = U ]
}
