#!/usr/bin/env bats
# unionenv diff: the layer diff (A/C/D against the lowers) and the diff of
# two plain trees (operations that, replayed, turn one into the other).

bats_require_minimum_version 1.5.0
load common

setup() {
    tools_setup
    need_tool diff
}
teardown() { tools_teardown; }

@test "diff --help: usage on stdout, status 0" {
    run --separate-stderr ue diff --help
    [ "$status" -eq 0 ]
    [[ $output == *"Usage: unionenv diff"* ]]
    [[ $output == *"Exit status"* ]]
}

@test "diff: bad usage and bad layers get one clear line and status 125" {
    mkdir -p A U
    echo f >notdir
    fails_clearly "unknown option '--bogus'" ue diff --bogus
    fails_clearly "needs a value" ue diff --upper
    fails_clearly "upper 'notdir': Not a directory" ue diff --upper notdir --lower A
    fails_clearly "upper 'missing': No such file" ue diff --upper missing --lower A
    fails_clearly "lower 'nolower': No such file" ue diff --upper U --lower A:nolower
    fails_clearly "unknown format 'xml'" ue diff --upper U --format xml
    fails_clearly "two trees" ue diff onlyone
    fails_clearly "unexpected argument 'extra'" ue diff --upper U extra
}

@test "diff: an empty upper has no differences (status 0, no output)" {
    mkdir -p A U
    echo a >A/f
    run --separate-stderr ue diff --lower A --upper U
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "diff: what real commands in the union wrote, docker-diff style, in a stable order" {
    need_lib
    make_layers
    make_union_upper
    run --separate-stderr ue diff --lower A:B --upper U
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ "$output" = "C /d2
D /d2/bsub
A /d2/n
D /d3
A /d3moved
A /d3moved/z
D /fa
C /fb
C /keep
C /keep/k
D /link
A /nd
A /nd/e
A /nd/e/q
A /new
A /newlink
C /same" ]
}

@test "diff --content: a copied-up file that did not change is not reported" {
    need_lib
    make_layers
    make_union_upper
    [ -f U/keep/k ]
    run --separate-stderr ue diff --lower A:B --upper U --content
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output != *"/keep/k"* ]]
    [[ $output == *"C /fb"* ]]
    [[ $output == *"C /same"* ]]
    [[ $output == *"D /fa"* ]]
}

@test "diff --format json: one valid object per change, with what changed" {
    need_lib
    make_layers
    make_union_upper
    run --separate-stderr ue diff --lower A:B --upper U --format json --content
    echo "$output"
    [ "$status" -eq 1 ]
    python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
by = {r["path"]: r for r in rows}
assert by["/fb"]["op"] == "C" and "content" in by["/fb"]["changes"], by["/fb"]
assert by["/same"]["changes"] == ["mode"], by["/same"]
assert by["/fa"] == {"op": "D", "path": "/fa", "type": "file"}, by["/fa"]
assert by["/d3moved"]["type"] == "dir" and by["/d3moved"]["op"] == "A"
assert by["/fifo"]["op"] == "C" if "/fifo" in by else True
' <<<"$output"
}

@test "diff: every marker form of the upper and of the lowers is read" {
    mkdir -p A B U/opq U/auf
    echo 1 >B/gone_chr; echo 2 >B/gone_aufs; echo 3 >B/gone_xattr
    mkdir -p B/opq B/auf; echo o >B/opq/old; echo o >B/auf/old
    echo h >B/hidden            # hidden by a whiteout in A: not in the old view
    mknod A/hidden c 0 0
    mknod U/gone_chr c 0 0
    : >U/.wh.gone_aufs
    : >U/gone_xattr
    setfattr -n user.overlay.whiteout -v y U/gone_xattr
    setfattr -n user.overlay.whiteouts -v y U
    setfattr -n user.overlay.opaque -v y U/opq
    : >U/auf/.wh..wh..opq
    echo new >U/hidden
    mknod U/stale c 0 0         # hides nothing: not a change
    mkdir U/.unionenv.123.4     # leftover of a copy-up: not a change
    run --separate-stderr ue diff --lower A:B --upper U
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ "$output" = "C /auf
D /auf/old
D /gone_aufs
D /gone_chr
D /gone_xattr
A /hidden
C /opq
D /opq/old" ]
}

@test "diff: names with newlines and backslashes stay one line each" {
    mkdir -p A U
    echo x >"U/two
lines"
    echo y >'U/back\slash'
    run --separate-stderr ue diff --lower A --upper U
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" = 'A /back\\slash' ]
    [ "${lines[1]}" = 'A /two\nlines' ]
}

@test "diff --format oci: the entries export would write" {
    need_lib
    make_layers
    make_union_upper
    run --separate-stderr ue diff --lower A:B --upper U --format oci
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $'\n'$output == *$'\nd2/\nd2/.wh..wh..opq\nd2/n\n'* ]]
    [[ $output == *$'\n.wh.fa\n'* ]]
    [[ $output == *$'\n.wh.d3\n'* ]]
}

# ---- two trees ------------------------------------------------------------

# A listing that catches every difference replay must undo: type, mode,
# size, mtime (also of directories), target, content, xattrs, and which
# names share an inode.
full_view() {
    (
        cd "$1" || exit 1
        find . -mindepth 1 -printf '%p %y %m %s %T@ %l %n\n' | LC_ALL=C sort
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
        getfattr -R -P -h -d -m - -e hex . 2>/dev/null
        # hard-link groups: names of each multiply-linked inode
        find . -type f -links +1 -printf '%i %p\n' | LC_ALL=C sort |
            awk '{ if ($1 != last) { if (g) print g; g = $2; last = $1 } else g = g " " $2 } END { if (g) print g }' |
            LC_ALL=C sort
    )
}

make_trees() {
    mkdir -p T1/keep T1/gone/deep T1/f2d T1/meta T2/keep T2/new/deeper T2/d2f T2/meta
    echo same >T1/keep/same; cp -p T1/keep/same T2/keep/same
    echo old >T1/keep/changed; echo "new content" >T2/keep/changed
    echo aaaa >T1/keep/samesize; echo bbbb >T2/keep/samesize
    touch -d @1600000000 T1/keep/samesize; touch -d @1600000100 T2/keep/samesize
    echo g >T1/gone/deep/g; echo g2 >T1/gone/g2
    echo f >T1/d2f; rmdir T2/d2f; echo nowfile >T2/d2f
    rmdir T1/f2d; echo wasfile >T1/f2d; mkdir -p T2/f2d/in; echo i >T2/f2d/in/i
    echo n >T2/new/deeper/n
    echo m >T1/meta/mode; cp -p T1/meta/mode T2/meta/mode; chmod 600 T2/meta/mode
    echo t >T1/meta/time; cp -p T1/meta/time T2/meta/time; touch -d @1500000000 T2/meta/time
    echo x >T1/meta/xa; cp -p T1/meta/xa T2/meta/xa
    setfattr -n user.test -v one T1/meta/xa; setfattr -n user.test -v two T2/meta/xa
    setfattr -n user.added -v 0x00ff T2/meta/xa
    ln -s target1 T1/sl; ln -s target2 T2/sl
    ln -s same T1/keep/samelink; ln -s same T2/keep/samelink
    mkfifo T2/fifo
    # hard links: a new pair, a pair split in T2, a pair joined in T2
    echo L >T2/keep/l1; ln T2/keep/l1 T2/new/l2
    echo S >T1/s1; ln T1/s1 T1/s2; echo S >T2/s1; echo S >T2/s2
    echo J >T1/j1; echo J >T1/j2; echo J >T2/j1; ln T2/j1 T2/j2
    touch -d @1400000000 T1/s1 T2/s1 T2/s2 T1/j1 T1/j2 T2/j1
    # name with a quote and a space, and one with a newline
    echo q >"T2/it's here"
    echo nl >"T2/new
line"
    # directory times last, as they settle
    touch -d @1300000000 T1/meta T2/meta T2/new T1/keep
    touch -d @1300000001 T2/keep
}

@test "diff TREE1 TREE2 --format sh: replaying the script turns TREE1 into TREE2" {
    make_trees
    run --separate-stderr ue diff --format sh T1 T2
    echo "$stderr"
    [ "$status" -eq 1 ]
    printf '%s\n' "$output" >ops.sh
    cat ops.sh
    (cd T1 && SRC=$W/T2 sh -e "$W/ops.sh")
    diff <(full_view T2) <(full_view T1)
    # and now there is nothing left to do
    run --separate-stderr ue diff T1 T2
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "diff TREE1 TREE2: text and json name each operation once, removals first" {
    make_trees
    run --separate-stderr ue diff T1 T2
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *$'rmdir\tgone\n'* ]]
    [[ $output == *$'unlink\td2f\n'* ]]
    [[ $output == *$'link\tnew/l2\tkeep/l1'* ]]
    [[ $output == *$'symlink\tsl\ttarget2'* ]]
    [[ $output == *$'meta\tmeta/mode\tmode=0600'* ]]
    [[ $output == *$'create\tkeep/samesize'* ]]
    [[ $output != *"keep/same"$'\n'* ]]
    # the unlink of gone/deep/g comes before rmdir gone/deep, before rmdir gone
    [ "$(grep -n -x $'unlink\tgone/deep/g' <<<"$output" | cut -d: -f1)" -lt "$(grep -n -x $'rmdir\tgone' <<<"$output" | cut -d: -f1)" ]
    run --separate-stderr ue diff --format json T1 T2
    [ "$status" -eq 1 ]
    python3 -c 'import json, sys; [json.loads(l) for l in sys.stdin]' <<<"$output"
}

@test "diff TREE1 TREE2: identical trees, status 0; a missing tree, status 125" {
    mkdir -p T1/d
    echo a >T1/d/f
    cp -a T1 T2
    run --separate-stderr ue diff T1 T2
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    fails_clearly "'nope': No such file" ue diff T1 nope
    fails_clearly "unknown format 'oci' for two trees" ue diff --format oci T1 T2
}

@test "diff --json is --format json, for an upper and for two trees" {
    mkdir -p A U T1 T2
    echo a >A/f
    echo b >U/f
    echo n >U/new
    echo x >T2/x
    run --separate-stderr ue diff --lower A --upper U --format json
    [ "$status" -eq 1 ]
    json=$output
    run --separate-stderr ue diff --json --lower A --upper U
    [ "$status" -eq 1 ]
    [ "$output" = "$json" ]
    [[ $output == *'"path":"/new"'* ]]
    run --separate-stderr ue diff --format json T1 T2
    json=$output
    run --separate-stderr ue diff --json T1 T2
    [ "$status" -eq 1 ]
    [ "$output" = "$json" ]
    fails_clearly "--format text and --format json" ue diff --format text --json T1 T2
    run --separate-stderr ue diff --json --format json T1 T2
    [ "$status" -eq 1 ]
}
