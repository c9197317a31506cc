#!/usr/bin/env bats
# unionenv fsck: problems one per line; --repair fixes the safe ones.

bats_require_minimum_version 1.5.0
load common

setup() {
    tools_setup
    need_tool fsck
}
teardown() { tools_teardown; }

@test "fsck --help: usage on stdout, status 0" {
    run --separate-stderr ue fsck --help
    [ "$status" -eq 0 ]
    [[ $output == *"Usage: unionenv fsck"* ]]
}

@test "fsck: bad usage and a bad upper: one clear line, status 125" {
    echo f >file
    fails_clearly "missing the upper" ue fsck
    fails_clearly "upper 'file': Not a directory" ue fsck file
    fails_clearly "upper 'nope': No such file" ue fsck --repair nope
    fails_clearly "unknown form 'x'" ue fsck --form x file
    fails_clearly "lower 'nolower'" ue fsck --lower nolower .
}

@test "fsck: an upper written by the union is clean" {
    need_lib
    make_layers
    make_union_upper
    run --separate-stderr ue fsck --lower A:B U
    echo "$output$stderr"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

make_broken_upper() {
    mkdir -p A/d U/d U/.unionenv.77.1/inner U/aufs U/moved
    echo a >A/d/real
    echo a >A/shadow
    echo half >U/.unionenv.77.0
    echo half >U/.unionenv.77.1/inner/f
    mkdir U/.unionenv.commit
    mknod U/d/real c 0 0
    mknod U/d/stale c 0 0
    : >U/.wh.shadow
    : >U/aufs/.wh..wh..opq
    echo both >U/both
    : >U/.wh.both
    echo f >U/file
    setfattr -n user.overlay.opaque -v y U/file
    setfattr -n user.overlay.redirect -v /elsewhere U/moved
}

@test "fsck: each problem on its own line; status 1" {
    make_broken_upper
    before=$(tree_sum U)
    run --separate-stderr ue fsck --lower A U
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ "$output" = ".unionenv.77.0: leftover of an interrupted copy-up or conversion
.unionenv.77.1: leftover of an interrupted copy-up or conversion
.unionenv.commit: an interrupted commit: finish it with 'unionenv commit --continue' or undo it with '--rollback'
both: both the name and its whiteout .wh.both (the name wins)
file: opaque marker (user.overlay.opaque) on a non-directory
shadow: whiteout in the aufs .wh.NAME form
aufs: opaque marker in the .wh..wh..opq form
d/stale: whiteout that hides nothing in the lowers
moved: overlay.redirect ('/elsewhere'): not supported by unionenv (made by a kernel mount with redirect_dir)" ]
    # without --repair nothing changes
    [ "$(tree_sum U)" = "$before" ]
}

@test "fsck --repair: fixes the safe ones, reports the rest, then only those remain" {
    make_broken_upper
    run --separate-stderr ue fsck --repair --lower A U
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *".unionenv.77.1: leftover of an interrupted copy-up or conversion (repaired)"* ]]
    [[ $output == *"shadow: whiteout in the aufs .wh.NAME form (repaired)"* ]]
    [[ $output == *"d/stale: whiteout that hides nothing in the lowers (repaired)"* ]]
    [[ $output == *"moved: overlay.redirect"* ]]
    [[ $output != *"redirect_dir) (repaired)"* ]]
    [ ! -e U/.unionenv.77.0 ] && [ ! -e U/.unionenv.77.1 ] && [ ! -e U/.wh.both ] && [ ! -e U/d/stale ]
    [ -d U/.unionenv.commit ]
    [ "$(stat -c %F:%t:%T U/shadow)" = "character special file:0:0" ]
    [ "$(getfattr --only-values -n user.overlay.opaque U/aufs)" = y ]
    [ ! -e U/aufs/.wh..wh..opq ]
    [ "$(cat U/both)" = both ]
    ! getfattr -n user.overlay.opaque U/file 2>/dev/null
    [ -e U/d/real ]
    # the two left are the ones it must not decide alone
    run --separate-stderr ue fsck --lower A U
    echo "$output"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 2 ]
    setfattr -x user.overlay.redirect U/moved
    rmdir U/.unionenv.commit
    run --separate-stderr ue fsck --repair --lower A U
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "fsck --form aufs: an aufs-form upper is clean, device whiteouts are not" {
    mkdir -p U/o
    : >U/.wh.x
    : >U/o/.wh..wh..opq
    mknod U/y c 0 0
    run --separate-stderr ue fsck --form aufs U
    echo "$output"
    [ "$status" -eq 1 ]
    [ "$output" = "y: whiteout in the character device 0/0 form" ]
    run --separate-stderr ue fsck --form aufs --repair U
    [ "$status" -eq 0 ]
    [ -f U/.wh.y ]
}

@test "fsck: unreadable directories and files are reported" {
    [ "$(id -u)" -ne 0 ] || skip "root reads everything"
    mkdir -p U/closed U/open
    echo s >U/open/secret
    chmod 000 U/closed U/open/secret
    run --separate-stderr ue fsck U
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"closed: unreadable directory: Permission denied"* ]]
    [[ $output == *"open/secret: unreadable file: Permission denied"* ]]
}

@test "fsck: xattr whiteouts the kernel would not read" {
    mkdir -p U/d
    : >U/d/w
    setfattr -n user.overlay.whiteout -v y U/d/w
    run --separate-stderr ue fsck U
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == "d/w: xattr whiteout in a directory not marked"* ]]
}

@test "fsck --lower: whiteouts below a redirected directory hide what its redirect points at" {
    mkdir -p L/d L/p/q U/e U/f U/bad
    echo a >L/d/a
    echo r >L/p/q/r
    mknod U/e/a c 0 0 || skip "cannot make a whiteout here"
    mknod U/e/zz c 0 0
    mknod U/f/r c 0 0
    mknod U/bad/x c 0 0
    setfattr -n user.overlay.redirect -v d U/e
    setfattr -n user.overlay.redirect -v /p/q U/f
    setfattr -n user.overlay.redirect -v ../../O U/bad
    run --separate-stderr ue fsck --lower L U
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"e/zz: whiteout that hides nothing in the lowers"* ]]
    [[ $output != *"e/a: whiteout that hides nothing"* ]]
    [[ $output != *"f/r: whiteout that hides nothing"* ]]
    [[ $output == *"bad: overlay.redirect ('../../O'): refused by the kernel (Invalid argument)"* ]]
    [[ $output != *"bad/x:"* ]]
}

@test "fsck --lower: a root kernel's redirect_dir=on upper has no whiteout that hides nothing" {
    need_root "a kernel mount with redirect_dir=on"
    mkdir -p L/d/sub L/p/q U W M
    echo a >L/d/a
    echo s >L/d/sub/s
    echo r >L/p/q/r
    mount -t overlay overlay -o "lowerdir=$PWD/L,upperdir=$PWD/U,workdir=$PWD/W,redirect_dir=on" M ||
        skip "cannot mount overlayfs with redirect_dir=on"
    (cd M && mv d e && rm e/a e/sub/s && mkdir x && mv p/q x/q2 && rm x/q2/r) || { umount M; false; }
    umount M
    getfattr -n trusted.overlay.redirect U/e >/dev/null
    run --separate-stderr ue fsck --lower L U
    echo "$output"
    [[ $output != *"hides nothing"* ]]
    [[ $output == *"e: overlay.redirect ('d')"* ]]
}

@test "fsck --json: one JSON object a line, the same problems as the text" {
    make_broken_upper
    run --separate-stderr ue fsck --lower A U
    text=$output
    run --separate-stderr ue fsck --json --lower A U
    echo "$output"
    [ "$status" -eq 1 ]
    # Each line parses alone; joined back into "path: problem" they are the text.
    run python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    assert sorted(o) == ["path", "problem", "repaired"] and o["repaired"] is False, o
    print("%s: %s" % (o["path"], o["problem"]))' <<<"$output"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$text" ]
    run --separate-stderr ue fsck --json --repair --lower A U
    [ "$status" -eq 1 ]
    [[ $output == *'{"path":"d/stale","problem":"whiteout that hides nothing in the lowers","repaired":true}'* ]]
}

@test "fsck --json: a name with a quote, a backslash and a newline stays one valid line" {
    mkdir -p U
    mknod U/$'a"b\\c\nd' c 0 0
    run --separate-stderr ue fsck --json --form aufs U
    echo "$output"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    python3 -c 'import json, sys; o = json.loads(sys.argv[1]); assert o["path"] == "a\"b\\c\nd", o' "$output"
}

# An upper where the union copied up symlinks and a fifo (their origins
# recorded on their directories, core/dirorigin.h), renamed one of them.
make_origin_upper() {
    mkdir -p A/d B
    ln -s t A/s
    ln -s t A/d/r
    ln -s t A/gone
    mkfifo A/p
    "$UE" --lower A:B --upper U -- sh -c 'cd "$1" && touch -h s gone p && mv d/r r2 && ln -s x made' sh "$W/A"
}

origin_records() {
    getfattr -d -m '^user\.overlay\.origin-of\.' --absolute-names "$@" 2>/dev/null | sed -n 's/=.*//p' | LC_ALL=C sort
}

@test "fsck: symlinks' origin records: the union's are clean, stale ones reported, --repair drops them" {
    need_lib
    make_origin_upper
    [ "$(origin_records U | tr '\n' ' ')" = "user.overlay.origin-of.gone user.overlay.origin-of.p user.overlay.origin-of.r2 user.overlay.origin-of.s " ]
    # the renamed symlink is still the lower's, through stat and readdir
    [ "$("$UE" --lower A:B --upper U -- stat -c %i "$W/A/r2")" = "$(stat -c %i A/d/r)" ]
    [ "$("$UE" --lower A:B --upper U -- sh -c 'ls -i "$1" | grep " r2$"' sh "$W/A" | awk '{print $1}')" = "$(stat -c %i A/d/r)" ]
    run --separate-stderr ue fsck --lower A:B U
    echo "$output$stderr"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    # the tools pass over the records: diff reads the same with and without them
    run --separate-stderr ue diff --upper U --lower A:B
    echo "$output$stderr"
    [ "$status" -le 1 ]
    with=$output
    cp -a U U2
    for x in $(origin_records U2); do setfattr -x "$x" U2; done
    [ -z "$(origin_records U2)" ]
    run --separate-stderr ue diff --upper U2 --lower A:B
    [ "$output" = "$with" ]
    rm -r U2
    # stale: an entry removed, replaced, a record on a regular file's name
    rm U/gone
    rm U/s && ln -s other U/s
    echo f >U/file
    setfattr -n user.overlay.origin-of.file -v "$(getfattr -n user.overlay.origin-of.r2 -e hex --absolute-names U | sed -n 's/^[^=]*=//p')" U
    before=$(tree_sum U)
    run --separate-stderr ue fsck U
    echo "$output"
    [ "$status" -eq 1 ]
    [ "$output" = "file: stale origin record (user.overlay.origin-of.file on its directory): names a regular file
gone: stale origin record (user.overlay.origin-of.gone on its directory): names no entry
s: stale origin record (user.overlay.origin-of.s on its directory): names another file than the one it was written for" ]
    [ "$(tree_sum U)" = "$before" ]
    # the union ignores them: the new s is not the lower's
    [ "$("$UE" --lower A:B --upper U -- stat -c %i "$W/A/s")" = "$(stat -c %i U/s)" ]
    run --separate-stderr ue fsck --repair U
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 3 ]
    [[ $output == *"names no entry (repaired)"* ]]
    [ "$(origin_records U | tr '\n' ' ')" = "user.overlay.origin-of.p user.overlay.origin-of.r2 " ]
    run --separate-stderr ue fsck U
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}
