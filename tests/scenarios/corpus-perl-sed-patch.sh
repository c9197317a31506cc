#!/bin/bash
# shellcheck disable=SC2016,SC2181  # steps are single-quoted (the shell of each step expands them); $? after (set -e; ...)
# corpus-perl-sed-patch.sh - issue 3, real programs: perl (file I/O,
# opendir, rename, unlink, File::Find/Copy/Path/Temp, -i), sed -i and patch
# editing lower files in a union of two lowers, compared with a kernel
# overlayfs mount of the same layers (or a merged copy); see
# tests/corpus/lib.sh and tests/corpus/perljobs.pl.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/corpus/lib.sh
. "$REPO/tests/corpus/lib.sh"
corpus_init perl-sed-patch

PL='perl "$CORPUS/perljobs.pl"'

# ext_patches DIR: unified diffs against layers_tree's tree: one that
# changes lower files of both layers, creates and deletes files (diff -Nru),
# and a git-style one that renames and changes modes.
ext_patches() {
    local d=$1 t
    t=$(mktemp -d "$d.work.XXXXXX") || return 1
    (
        set -e
        layers_tree "$t/A" "$t/B"
        mkdir -p "$t/old" "$t/new"
        cp -a "$t/B/tree" "$t/old/" && cp -a "$t/A/tree/." "$t/old/tree/"
        rm -f "$t/old/tree/fifo" "$t/old/tree/big.bin"
        cp -a "$t/old/tree" "$t/new/"
        cd "$t/new/tree" || exit 1
        printf 'top in A\npatched line\n' >top.txt
        printf 'both: patched\n' >both.txt
        printf 'deep in B\nmore\n' >sub/deep/b.txt
        printf 'created by patch\n' >leafy/created.txt
        rm leafy/x/f sub/d3.dat
        cd "$t"
        diff -Nru --no-dereference old/tree new/tree >"$d/tree.diff" || [ $? -eq 1 ]
        cat >"$d/git.diff" <<'DIFF'
diff --git a/tree/bottom.txt b/tree/renamed.txt
similarity index 100%
rename from tree/bottom.txt
rename to tree/renamed.txt
diff --git a/tree/tool.sh b/tree/tool.sh
old mode 100755
new mode 100700
diff --git a/tree/leafy/z/h b/tree/leafy/z/h
index 1111111..2222222 100644
--- a/tree/leafy/z/h
+++ b/tree/leafy/z/h
@@ -1 +1,2 @@
 leafy z
+patched by git diff
DIFF
    )
    [ $? -eq 0 ] || { rm -rf "$t"; return 1; }  # (not `||`: set -e)
    rm -rf "$t"
}

corpus_job "perl file I/O on lower files: open modes, file tests, stat, chmod, utime, truncate, glob" layers_tree
corpus_step "$PL"' io tree'

corpus_job "perl opendir, rename, unlink, mkdir, rmdir, link, symlink" layers_tree
corpus_step "$PL"' dirs tree'

corpus_job "perl File::Find, File::Copy, File::Path, File::Temp" layers_tree
corpus_step "$PL"' modules tree'

corpus_job "perl -i and -pi.bak in place over lower files" layers_tree
corpus_step 'perl -pi -e "s/in/IN/" tree/top.txt tree/sub/deep/a.txt tree/sub/deep/b.txt && perl -pi.bak -e "s/^/> /" tree/both.txt tree/ro.txt && cat tree/top.txt tree/sub/deep/*.txt tree/both.txt tree/both.txt.bak && stat -c "%n %a %s" tree/ro.txt tree/ro.txt.bak'

corpus_job "sed -i on lower files: plain, -i.bak, symlinks, read-only files" layers_tree
corpus_step 'sed -i s/A/a/ tree/top.txt tree/both.txt tree/sub/deep/a.txt && sed -i.orig "s/B/b/;s/data/DATA/" tree/bottom.txt tree/sub/d2.dat && cat tree/top.txt tree/both.txt tree/bottom.txt tree/bottom.txt.orig tree/sub/d2.dat'
corpus_step 'sed -i --follow-symlinks "1s/^/via link: /" tree/top.link && sed -i "s/deep/DEEP/" tree/deep.link/b.txt && sed -i -s "\$a end" tree/ro.txt tree/private.txt && stat -c "%n %F %a %s" tree/top.link tree/top.txt tree/ro.txt tree/private.txt && cat tree/top.txt tree/sub/deep/b.txt tree/ro.txt'
corpus_step 'sed -i "s/x/X/" tree/sub/up.link && stat -c "%n %F" tree/sub/up.link tree/bottom.txt && sed -n p tree/sub/up.link; sed -i s/a/b/ tree/nope 2>&1; echo st=$?'

corpus_job "patch -p1 over lower files: change, create, delete, backup, reverse" layers_tree ext_patches
corpus_step 'patch -p1 --dry-run <"$EXT/tree.diff" && find tree -newer tree/emptydir | sort'
corpus_step 'patch -p1 -b <"$EXT/tree.diff" && cat tree/top.txt tree/both.txt tree/leafy/created.txt && ls -A tree tree/sub tree/leafy/x && find tree -name "*.orig" | sort'
corpus_step 'patch -p1 -R -E <"$EXT/tree.diff" && cat tree/top.txt tree/both.txt && ls -A tree/leafy tree/leafy/x tree/sub'
corpus_step 'patch -p1 <"$EXT/git.diff" && ls -A tree && stat -c "%n %a" tree/tool.sh && cat tree/renamed.txt tree/leafy/z/h'

corpus_run
