#!/bin/bash
# everyday.sh - issue 2, items 2 and 3: everyday commands in the union behave
# as on a kernel overlayfs mount of the same layers (or, without root, as in
# a plain merged copy), step by step, one launcher invocation per step (so
# all state goes through the upper); the final views match; the kernel reads
# unionenv's upper and shows the same view (root only); the lowers never
# change (checked after every step).
#   env: UNION_CMD, UNION_TIMEOUT (per step, default 120), KEEP_TMP
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
UNION_TIMEOUT=${UNION_TIMEOUT:-120}
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init everyday

A=$T/A B=$T/B U=$T/U
VIEWTREE=$REPO/tests/lib/view-tree

# --- starting layers ---------------------------------------------------------
make_layers() {
    local a=$1 b=$2 i
    mkdir -p "$a" "$b" || return 1
    (
        set -e
        cd "$a"
        printf 'only in A\n' >a_only.txt
        printf 'both: A wins\n' >both.txt
        mkdir -p shared both_dir mdir/from_a docs sub/deep
        printf 'shared a\n' >shared/a.txt
        printf 'common from A\n' >shared/common.txt
        printf 'both_dir file from A\n' >both_dir/a_file
        printf 'mdir a\n' >mdir/a.txt
        printf 'mdir from_a\n' >mdir/from_a/x.txt
        printf 'mdir common from A\n' >mdir/common.txt
        printf '# docs\n\nSome text.\n' >docs/readme.md
        printf 'deep in A\n' >sub/deep/a.txt
        ln -s a_only.txt link
        # shellcheck disable=SC2016  # expanded when run.sh runs
        printf '#!/bin/sh\necho "run.sh says: $(cat a_only.txt)"\n' >run.sh
        chmod 755 run.sh
    ) || return 1
    (
        set -e
        cd "$b"
        printf 'only in B\n' >b_only.txt
        printf 'both: B loses\n' >both.txt
        mkdir -p shared both_dir/b_sub mdir/from_b tree/x/y/z movedir/sub pack/inner sub/deep
        printf 'shared b\n' >shared/b.txt
        printf 'common from B\n' >shared/common.txt
        printf 'both_dir file from B\n' >both_dir/b_file
        printf 'both_dir sub from B\n' >both_dir/b_sub/f
        printf 'mdir b\n' >mdir/b.txt
        printf 'mdir from_b\n' >mdir/from_b/y.txt
        printf 'mdir common from B\n' >mdir/common.txt
        printf 'deep in B\n' >sub/deep/b.txt
        for i in 1 2 3; do printf 'tree file %s\n' $i >tree/x/y/z/f$i; done
        printf 'tree x\n' >tree/x/g
        printf 'tree top\n' >tree/top
        printf 'move me\n' >movedir/m.txt
        printf 'inner\n' >movedir/sub/inner.txt
        for i in 1 2 3 4; do head -c $((i * 1000)) /dev/zero | tr '\0' "$i" >pack/p$i.dat; done
        printf 'inner pack\n' >pack/inner/i.txt
        ln -s p1.dat pack/p1.link
        printf 'foo one\nkeep two\nfoo three foo\n' >data.txt
        mkdir -p repo/src
        cd repo
        git -c init.defaultBranch=main init -q .
        printf 'hello repo\n' >README
        printf 'int main(void) { return 0; }\n' >src/main.c
        printf '*.o\n' >.gitignore
        git add README src/main.c .gitignore
        git -c user.name=t -c user.email=t@t commit -q -m 'initial commit'
        printf 'second line\n' >>README
        git -c user.name=t -c user.email=t@t commit -q -am 'second commit'
    ) || return 1
    find "$a" "$b" ! -path '*/.git/*' -exec touch -h -d @1600000000 {} +
}

# --- the steps: MODE NAME COMMAND; MODE "out" compares exit status and
# stdout, "status" compares the exit status only; NAME says what job of a
# user's the step is, and is its TAP line.  cwd = the mount.
STEP_MODE=() STEP_NAME=() STEP_CMD=()
step() { STEP_MODE+=("$1"); STEP_NAME+=("$2"); STEP_CMD+=("$3"); }

step status "list the merged root (ls -la runs)" \
    "ls -la"
step out    "list the root's types, modes, names and link targets" \
    "ls -la | awk 'NR > 1 && \$9 != \".\" && \$9 != \"..\" {print \$1, \$9, \$10, \$11}' | sort"
step out    "list merged directories" \
    "ls -1A; ls -1A shared both_dir mdir"
step out    "read files of each lower, the higher one winning, through a symlink" \
    "cat a_only.txt b_only.txt both.txt shared/common.txt link sub/deep/a.txt sub/deep/b.txt"
step out    "append to a file of the second lower" \
    "echo x >> b_only.txt && cat b_only.txt"
step out    "append to a file both lowers hold" \
    "echo appended >> both.txt && cat both.txt"
step out    "copy a file and a merged directory" \
    "cp a_only.txt copy.txt && cp -r shared shared_copy && cat copy.txt && ls -1A shared_copy"
step out    "rename a lower file" \
    "mv b_only.txt moved.txt && cat moved.txt && ls -1A && test ! -e b_only.txt"
step out    "rename a lower directory" \
    "mv movedir moved_dir && find moved_dir | sort && cat moved_dir/sub/inner.txt && test ! -e movedir"
step out    "rename a merged directory" \
    "mv mdir mdir2 && find mdir2 | sort && cat mdir2/common.txt && test ! -e mdir && ls -1A"
step out    "remove a lower tree" \
    "rm -rf tree && ls -1A && test ! -e tree"
step out    "remove a merged directory and make it anew" \
    "rm -rf both_dir && test ! -e both_dir && mkdir both_dir && echo fresh > both_dir/new.txt && ls -1A both_dir"
step out    "make a directory where a removed lower one was" \
    "mkdir tree && touch tree/only_new && find tree | sort"
step out    "hard-link a lower file, then write through the new name" \
    "ln a_only.txt hard.txt && cat hard.txt && stat -c '%n %h' a_only.txt hard.txt && echo more >> hard.txt && cat a_only.txt"
step out    "make symlinks, one dangling" \
    "ln -s shared/a.txt sl && readlink sl && cat sl && ln -s missing dangling && readlink dangling && ls -1A"
step out    "chmod lower files and a merged directory" \
    "chmod 600 shared/a.txt && chmod +x docs/readme.md && chmod 700 docs && stat -c '%n %s %a %F' shared/a.txt docs/readme.md && stat -c '%n %a %F' docs"
step out    "touch a new file and lower files" \
    "touch newfile a_only.txt shared/b.txt && stat -c '%n %s %a %F' newfile a_only.txt shared/b.txt"
step out    "run a shell script of the lower" \
    "./run.sh && sh run.sh"
step out    "walk the whole tree with find" \
    "find . | sort"
step out    "find by type, name and size" \
    "find . -type d | sort; find . -type l | sort; find . -name '*.txt' -size -1k | sort"
step out    "measure disk use with du" \
    "du -b --apparent-size a_only.txt both.txt moved.txt shared/common.txt pack/p3.dat && du -s pack > /dev/null && du -a pack | awk '{print \$2}' | sort"
step out    "stat files, symlinks and a hard link" \
    "stat -c '%n %s %a %F' both.txt link run.sh shared/common.txt hard.txt sl dangling pack/p1.link"
step out    "edit a file in place with sed -i" \
    "sed -i 's/foo/bar/g' data.txt && cat data.txt && stat -c '%n %s %a %F' data.txt"
step out    "pack a directory with tar and unpack it" \
    "tar --sort=name -cf pack.tar pack && mkdir unpacked && tar -xf pack.tar -C unpacked && find unpacked | sort && tar -tvf pack.tar && cmp pack/p4.dat unpacked/pack/p4.dat"
step out    "git status and log in a lower repository" \
    "cd repo && git status --porcelain && git log --format='%H %s'"
step out    "git: change and stage files" \
    "cd repo && echo change >> README && echo 'int x;' > new.c && git add README new.c && git status --porcelain"
step out    "git: diff the index, status with ignored files" \
    "cd repo && git diff --cached --stat && git rev-parse HEAD && git status --porcelain --ignored"
step out    "glob a merged directory, remove a file both lowers hold" \
    "cat shared/*.txt && rm both.txt && ls -1A && test ! -e both.txt"
step out    "rename a file inside a merged directory" \
    "mv shared/common.txt shared/renamed.txt && ls -1A shared && cat shared/renamed.txt"
step out    "truncate a hard-linked file" \
    "truncate -s 4 a_only.txt && cat a_only.txt && echo && stat -c '%n %s' a_only.txt hard.txt"
step out    "make a deep new directory; rmdir of a non-empty one fails" \
    "mkdir -p deep/new/dir && echo x > deep/new/dir/f && find deep | sort; rmdir docs 2>&1; echo rmdir=\$?"
step out    "remove a copied tree and a renamed one" \
    "rm -r shared_copy moved_dir && ls -1A"
step out    "commands that fail: cat of a missing file, mkdir over a file, rm of a directory" \
    "cat nonexistent 2>&1; echo st=\$?; mkdir a_only.txt 2>&1; echo st=\$?; rm sub 2>&1; echo st=\$?"
step out    "remove a merged subtree and make it anew" \
    "rm -rf sub/deep && ls -1A sub && mkdir sub/deep && ls -1A sub/deep && cat link"

NSTEPS=${#STEP_CMD[@]}
tap_plan $((NSTEPS + 3))

make_layers "$A" "$B" || { tap_diag "could not make the layers"; tap_done; exit 1; }
snapshot_tree "$A" >"$T/snap.A.0"
snapshot_tree "$B" >"$T/snap.B.0"

# --- the oracle --------------------------------------------------------------
# It works on copies of the lowers (cp -a keeps names, modes, times), so that
# nothing it does can be mistaken for a change the union made to A or B.
{ cp -a "$A" "$T/OA" && cp -a "$B" "$T/OB"; } || { tap_diag "could not copy the layers"; tap_done; exit 1; }
if can_mount_overlay; then
    KERNEL=1
    O=$T/K
    mount_overlay "$T/OA:$T/OB" "$T/OU" "$T/OW" "$O" || { tap_diag "kernel mount failed"; tap_done; exit 1; }
    ORACLE="kernel overlayfs"
else
    KERNEL=0
    O=$T/M
    merged_copy "$T/OA:$T/OB" "$O" || { tap_diag "merged copy failed"; tap_done; exit 1; }
    ORACLE="merged copy"
    echo "# SKIP kernel oracle: $ORACLE_SKIP_REASON; the oracle is a plain merged copy of the layers"
fi

lowers_changed_at=
for ((i = 0; i < NSTEPS; i++)); do
    cmd=${STEP_CMD[i]} mode=${STEP_MODE[i]} name=${STEP_NAME[i]}
    (cd "$O" && bash -c "$cmd") >"$T/o.out" 2>"$T/o.err"
    ost=$?
    (cd "$A" && union --lower "$A:$B" --upper "$U" -- bash -c "$cmd") >"$T/u.out" 2>"$T/u.err"
    ust=$?
    desc=$name
    if [ $ost -eq $ust ] && { [ "$mode" = status ] || cmp -s "$T/o.out" "$T/u.out"; }; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc" "command: $cmd" "exit status: $ORACLE $ost, union $ust"
        if [ "$mode" = out ] && ! cmp -s "$T/o.out" "$T/u.out"; then
            tap_diag "stdout differs (- $ORACLE, + union):"
            diff -u "$T/o.out" "$T/u.out" | tail -n +3 | head -n 30 | tap_diag
        fi
        [ -s "$T/u.err" ] && { tap_diag "union stderr:"; head -n 10 "$T/u.err" | tap_diag; }
        [ -s "$T/o.err" ] && { tap_diag "$ORACLE stderr:"; head -n 10 "$T/o.err" | tap_diag; }
    fi
    if [ -z "$lowers_changed_at" ]; then
        snapshot_tree "$A" >"$T/snap.A.1"
        snapshot_tree "$B" >"$T/snap.B.1"
        if ! cmp -s "$T/snap.A.0" "$T/snap.A.1" || ! cmp -s "$T/snap.B.0" "$T/snap.B.1"; then
            lowers_changed_at="$name ($cmd)"
            { diff -u "$T/snap.A.0" "$T/snap.A.1" | tail -n +3 | sed 's/^/A: /'
              diff -u "$T/snap.B.0" "$T/snap.B.1" | tail -n +3 | sed 's/^/B: /'; } | head -n 30 >"$T/lowers.diff"
        fi
    fi
done

# --- final views -------------------------------------------------------------
# git's index holds stat data (inode, device, ctime): its bytes differ between
# two trees even when both are right, so its hash is masked here (the kernel
# check of item 3 below reads the union's own upper and compares it unmasked).
mask_index() { awk -F'\t' 'BEGIN {OFS = "\t"} $1 == "repo/.git/index" {$5 = "(masked)"} {print}'; }

view_tree "$O" | mask_index >"$T/view.oracle"
(cd "$A" && union --lower "$A:$B" --upper "$U" -- "$VIEWTREE" .) >"$T/view.union" 2>"$T/view.union.err"
st=$?
if [ $st -ne 0 ]; then
    tap_not_ok "final union view equals the $ORACLE view" "view-tree in the union failed ($st)"
    head -n 10 "$T/view.union.err" | tap_diag
else
    mask_index <"$T/view.union" >"$T/view.union.masked"
    tap_cmp_files "final union view equals the $ORACLE view" "$T/view.oracle" "$T/view.union.masked"
fi

if [ $KERNEL = 1 ]; then
    umount_overlay "$O"
    if mount_overlay "$A:$B" "$U" "$T/KW" "$T/K2" 2>"$T/k2.err"; then
        view_tree "$T/K2" >"$T/view.kernel"
        umount_overlay "$T/K2"
        tap_cmp_files "kernel overlayfs mount of A:B with unionenv's upper shows the union's view" "$T/view.union" "$T/view.kernel"
    else
        tap_not_ok "kernel overlayfs mount of A:B with unionenv's upper shows the union's view" "mount failed: $(cat "$T/k2.err")"
    fi
else
    tap_skip "kernel overlayfs mount of A:B with unionenv's upper shows the union's view" "$ORACLE_SKIP_REASON"
fi

snapshot_tree "$A" >"$T/snap.A.1"
snapshot_tree "$B" >"$T/snap.B.1"
if [ -z "$lowers_changed_at" ] && cmp -s "$T/snap.A.0" "$T/snap.A.1" && cmp -s "$T/snap.B.0" "$T/snap.B.1"; then
    tap_ok "lowers A and B unchanged after every step"
else
    tap_not_ok "lowers A and B unchanged after every step" "first changed after ${lowers_changed_at:-the final listing} (- before, + after):"
    [ -s "$T/lowers.diff" ] && tap_diag <"$T/lowers.diff"
fi

tap_done
