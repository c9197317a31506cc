#!/usr/bin/env bats
# The layer tools and the union's index (--work; issue 13, core/index.h):
# a lower file with several names, copied up through one, is one file in
# the union through all of them; diff, export, fsck and commit read the
# index so that they say and do what the union showed.

bats_require_minimum_version 1.5.0
load common

setup() {
    tools_setup
    need_tool diff
    need_tool export
    need_tool fsck
    need_tool commit
}
teardown() { tools_teardown; }

# Lowers L1 over L2.  L2: a pair (a, d/b), a triple (t1, t2, d/t3); L1: a
# pair nothing touches (p1, d/p2) and a file with one name (s).
make_linked() {
    mkdir -p L1/d L2/d
    echo pair >L2/a && ln L2/a L2/d/b
    echo tri >L2/t1 && ln L2/t1 L2/t2 && ln L2/t1 L2/d/t3
    echo top >L1/p1 && ln L1/p1 L1/d/p2
    echo single >L1/s
    touch -d @1500000000 L2/a L2/t1 L1/p1 L1/s
    lowers_before=$(tree_sum L1)$(tree_sum L2)
}

# The steps, in the view at $1: a write through one name of the pair, a
# chmod through one name of the triple, a write to the single file.
# shellcheck disable=SC2016  # expanded by the sh that runs them
STEPS='cd "$1" && echo more >>a && chmod 600 t2 && echo s2 >>s'

# Run the steps in the union: upper U, work W.
linked_union() {
    "$UE" --lower "$W/L1:$W/L2" --upper U --work W -- sh -c "$STEPS" sh "$W/L1"
}

# The union's view with the index.
linked_view() {
    "$UE" --lower "$W/L1:$W/L2" --upper U --work W -- "$REPO/tests/lib/view-tree" "$W/L1"
}

lowers_unchanged() {
    [ "$(tree_sum L1)$(tree_sum L2)" = "$lowers_before" ]
}

@test "index: --work is checked as the launcher checks it: one line, status 125" {
    make_linked
    mkdir -p U W U/in X/L
    echo f >notdir
    for t in diff export fsck; do
        out=; [ $t = export ] && out="-o l.tar"
        # shellcheck disable=SC2086
        {
        fails_clearly "needs a value" ue $t --upper U --lower L1:L2 $out --work
        fails_clearly "work 'gone': No such file" ue $t --upper U --lower L1:L2 $out --work gone
        fails_clearly "work 'notdir' is not a directory" ue $t --upper U --lower L1:L2 $out --work notdir
        fails_clearly "must not hold one another" ue $t --upper U --lower L1:L2 $out --work U/in
        fails_clearly "must not hold one another" ue $t --upper U/in --lower L1:L2 $out --work U
        fails_clearly "is inside lower" ue $t --upper U --lower L1:L2 $out --work L2/d
        fails_clearly "is inside work" ue $t --upper U --lower X/L $out --work X
        }
    done
    if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d U)" ]; then
        fails_clearly "not on the upper's filesystem" ue diff --upper U --lower L1:L2 --work /dev/shm
    fi
    fails_clearly "--work needs --upper" ue diff --work W
    fails_clearly "work 'gone': No such file" ue commit --lower L2 --upper U --work gone
    fails_clearly "must not hold one another" ue commit --lower L2 --upper U --work U/in
    fails_clearly "is inside lower" ue commit --lower L2 --upper U --work L2/d
    [ ! -e L2/.unionenv.commit ]
    [ ! -e l.tar ]
    lowers_unchanged
}

@test "index: diff --work reports every name of a copied-up group, each alike" {
    need_lib
    make_linked
    linked_union
    lowers_unchanged
    run --separate-stderr ue diff --upper U --lower L1:L2 --work W
    [ "$status" -eq 1 ]
    [ "$output" = "C /a
C /s
C /t2
C /d/b
C /d/t3
C /t1" ]
    run --separate-stderr ue diff --upper U --lower L1:L2 --work W --content --json
    [ "$status" -eq 1 ]
    echo "$output"
    [ "${lines[0]}" = '{"op":"C","path":"/a","type":"file","changes":["content","times"],"data_compared":false}' ]
    [ "${lines[3]}" = '{"op":"C","path":"/d/b","type":"file","changes":["content","times"],"data_compared":false}' ]
    [ "${lines[2]}" = '{"op":"C","path":"/t2","type":"file","changes":["mode"],"data_compared":true}' ]
    [ "${lines[4]}" = '{"op":"C","path":"/d/t3","type":"file","changes":["mode"],"data_compared":true}' ]
    [ "${lines[5]}" = '{"op":"C","path":"/t1","type":"file","changes":["mode"],"data_compared":true}' ]
    [ "${#lines[@]}" -eq 6 ]
    # what export would write: the same names
    run --separate-stderr ue diff --upper U --lower L1:L2 --work W --format oci
    [ "$output" = "a
s
t2
d/b
d/t3
t1" ]
    lowers_unchanged
}

@test "index: export --work writes the lowers' names of a group as hard links: applied, one file as in the union" {
    need_lib
    make_linked
    linked_union
    linked_view >union.view
    ue export --upper U --lower L1:L2 --work W -o layer.tar
    tar -tvf layer.tar
    [ "$(tar -tvf layer.tar | grep -c '^h')" -eq 3 ]
    tar -tvf layer.tar | grep -q '^h.* d/b link to a$'
    mkdir R
    cp -a L2/. R/
    cp -a L1/. R/
    oci_apply layer.tar R
    view R >oci.view
    diff union.view oci.view
    [ R/a -ef R/d/b ]
    [ R/t1 -ef R/t2 ] && [ R/t1 -ef R/d/t3 ]
    [ "$(stat -c %h R/t1)" -eq 3 ]
    lowers_unchanged
}

@test "index: the kernel's upper and work directory (userxattr,index=on) read alike" {
    need_lib
    can_mount_overlay || skip "$ORACLE_SKIP_REASON"
    make_linked
    linked_union
    mkdir -p KU KW mnt
    mount -t overlay overlay -o "userxattr,index=on,lowerdir=$W/L1:$W/L2,upperdir=$W/KU,workdir=$W/KW" mnt
    sh -c "$STEPS" sh mnt
    view mnt >kernel.view
    umount_overlay mnt
    linked_view >union.view
    diff kernel.view union.view
    # the kernel's names of the group are one file, as ours
    diff <(ue diff --upper U --lower L1:L2 --work W --content --json) \
         <(ue diff --upper KU --lower L1:L2 --work KW --content --json)
    ue export --upper KU --lower L1:L2 --work KW -o k.tar
    mkdir R
    cp -a L2/. R/
    cp -a L1/. R/
    oci_apply k.tar R
    view R >oci.view
    diff kernel.view oci.view
    [ R/a -ef R/d/b ]
    lowers_unchanged
}

# The name of the index entry that the upper's file $1 is a link of.
entry_of() {
    find W/index -samefile "$1" -printf '%f\n'
}

@test "index: fsck --work finds an orphan entry (no name shows it); --repair removes it as the kernel's mount does" {
    need_lib
    make_linked
    linked_union
    lowers_unchanged
    ea=$(entry_of U/a)
    [ -n "$ea" ]
    # Offline, every name of the pair whited out: the entry keeps one link
    # and a record that still counts the lower's name.
    rm U/a && mknod U/a c 0 0 && mkdir -p U/d && mknod U/d/b c 0 0
    run --separate-stderr ue fsck --work W U
    [ "$status" -eq 0 ] && [ -z "$output" ]
    # the lowers counted: no name shows it
    run --separate-stderr ue fsck --work W --lower L1:L2 U
    [ "$status" -eq 1 ]
    [ "$output" = "W/index/$ea: orphan: no name of the union shows it (the kernel removes it when it mounts)" ]
    # a record that counts none: the kernel's own rule, without the lowers
    setfattr -n user.overlay.nlink -v U-1 "W/index/$ea"
    run --separate-stderr ue fsck --work W U
    [ "$status" -eq 1 ]
    [ "$output" = "W/index/$ea: orphan: no name of the union shows it (the kernel removes it when it mounts)" ]
    if can_mount_overlay; then
        mkdir C mnt && cp -a U W C/
        mount -t overlay overlay -o "userxattr,index=on,lowerdir=$W/L1:$W/L2,upperdir=$W/C/U,workdir=$W/C/W" mnt
        umount_overlay mnt
        [ ! -e "C/W/index/$ea" ]
    fi
    run --separate-stderr ue fsck --work W --lower L1:L2 --repair U
    [ "$status" -eq 0 ]
    [[ $output == *"(repaired)" ]]
    [ ! -e "W/index/$ea" ]
    run --separate-stderr ue fsck --work W --lower L1:L2 U
    [ "$status" -eq 0 ] && [ -z "$output" ]
    lowers_unchanged
}

@test "index: fsck --work reports what the kernel refuses or removes; --repair fixes it, the kernel then mounts and shows the union's view" {
    need_lib
    make_linked
    linked_union
    ea=$(entry_of U/a) et=$(entry_of U/t2)
    [ -n "$ea" ] && [ -n "$et" ]
    setfattr -x user.overlay.origin "W/index/$ea"
    setfattr -n user.overlay.nlink -v U+5 "W/index/$et"
    mknod "W/index/#12" c 0 0
    run --separate-stderr ue fsck --work W --lower L1:L2 U
    echo "$output"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "W/index/#12: a temporary name of the kernel's (it removes it when it mounts)" ]
    [[ $output == *"W/index/$ea: no origin record: the kernel refuses to mount with index=on (ENODATA)"* ]]
    [[ $output == *"W/index/$et: link record 'U+5' counts 7 names, the union shows 3"* ]]
    [ "${#lines[@]}" -eq 3 ]
    # without the lowers, the record cannot be counted
    run --separate-stderr ue fsck --work W U
    [ "${#lines[@]}" -eq 2 ]
    if can_mount_overlay; then
        mkdir -p mnt
        ! mount -t overlay overlay -o "userxattr,index=on,lowerdir=$W/L1:$W/L2,upperdir=$W/U,workdir=$W/W" mnt
        # The kernel walks the index in directory order, removing what it
        # cleans as it goes: it may have removed the temporary name before
        # it met the entry with no origin (the order follows the names'
        # hashes, which follow the inode numbers of the run).
        [ -e "W/index/#12" ] || mknod "W/index/#12" c 0 0
    fi
    run --separate-stderr ue fsck --work W --lower L1:L2 --repair U
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 3 ]
    [[ ${lines[1]} == *"(repaired)" ]] && [[ ${lines[2]} == *"(repaired)" ]]
    [ "$(getfattr --only-values -n user.overlay.nlink "W/index/$et")" = U+1 ]
    run --separate-stderr ue fsck --work W --lower L1:L2 U
    [ "$status" -eq 0 ] && [ -z "$output" ]
    linked_view >union.view
    grep -q "^t1	f	0600" union.view
    "$UE" --lower "$W/L1:$W/L2" --upper U --work W -- stat -c %h "$W/L1/t1" >nlink
    [ "$(cat nlink)" = 3 ]
    if can_mount_overlay; then
        mount -t overlay overlay -o "userxattr,index=on,lowerdir=$W/L1:$W/L2,upperdir=$W/U,workdir=$W/W" mnt
        view mnt >kernel.view
        [ "$(stat -c %h mnt/t1)" = 3 ]
        umount_overlay mnt
        diff union.view kernel.view
    fi
    lowers_unchanged
}

@test "index: fsck --work reports an upper name not linked to its entry, and leaves it" {
    need_lib
    make_linked
    linked_union
    et=$(entry_of U/t2)
    cp -a U/t2 U/t2.new && mv U/t2.new U/t2
    run --separate-stderr ue fsck --work W --lower L1:L2 --repair U
    echo "$output"
    [ "$status" -eq 1 ]
    [ "$output" = "t2: a copy of a lower file with several names that is not linked to its index entry (index/$et): the union shows it apart from the file's other names" ]
    [ -f U/t2 ]
    lowers_unchanged
}

# One lower L (commit writes into one): the pair and the triple, a file
# with one name, d with an old mtime.
make_one_lower() {
    mkdir -p L/d
    echo pair >L/a && ln L/a L/d/b
    echo tri >L/t1 && ln L/t1 L/t2 && ln L/t1 L/d/t3
    echo single >L/s
    touch -d @1500000000 L/a L/t1 L/s L/d
    "$UE" --lower "$W/L" --upper U --work W -- "$REPO/tests/lib/view-tree" "$W/L" >before.view
    before=$(tree_sum L)
    "$UE" --lower "$W/L" --upper U --work W -- sh -c "$STEPS" sh "$W/L"
    [ "$(tree_sum L)" = "$before" ]
    "$UE" --lower "$W/L" --upper U --work W -- "$REPO/tests/lib/view-tree" "$W/L" >union.view
}

@test "index: commit --work writes the lower's names of a group as links of the copy: the lower shows the union's view" {
    need_lib
    make_one_lower
    ue commit --lower L --upper U --work W
    view L >lower.view
    diff union.view lower.view
    [ L/a -ef L/d/b ]
    [ L/t1 -ef L/t2 ] && [ L/t1 -ef L/d/t3 ]
    [ "$(stat -c %a L/d/t3)" = 600 ]
    [ "$(stat -c %Y L/d)" = 1500000000 ]
    [ -z "$(ls -A U)" ] && [ -z "$(ls -A W/index)" ]
}

@test "index: commit --work staged by copying, interrupted: --rollback gives the lower back, --continue (--work remembered) the union's view" {
    need_lib
    make_one_lower
    view L >lower0.view
    export UNIONENV_COMMIT_COPY=1
    UNIONENV_COMMIT_CRASH_AFTER=3 run ue commit --lower L --upper U --work W
    [ "$status" -eq 99 ]
    ue commit --lower L --upper U --work W --rollback
    view L >lower1.view
    diff lower0.view lower1.view
    [ "$(tree_sum L)" = "$before" ]
    UNIONENV_COMMIT_CRASH_AFTER=2 run ue commit --lower L --upper U --work W
    [ "$status" -eq 99 ]
    # --continue without --work: the journal remembers it
    ue commit --lower L --upper U --continue
    view L >lower.view
    diff union.view lower.view
    [ L/a -ef L/d/b ] && [ L/t1 -ef L/d/t3 ]
    [ -z "$(ls -A W/index)" ]
}

@test "index: commit of the kernel's upper and work directory (userxattr,index=on) gives the kernel's view" {
    need_lib
    can_mount_overlay || skip "$ORACLE_SKIP_REASON"
    make_one_lower
    cp -a L K
    mkdir -p KU KW mnt
    mount -t overlay overlay -o "userxattr,index=on,lowerdir=$W/K,upperdir=$W/KU,workdir=$W/KW" mnt
    sh -c "$STEPS" sh mnt
    view mnt >kernel.view
    umount_overlay mnt
    diff union.view kernel.view
    ue commit --lower K --upper KU --work KW
    view K >k.view
    diff kernel.view k.view
    [ K/a -ef K/d/b ] && [ K/t1 -ef K/d/t3 ]
}
