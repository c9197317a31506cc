#!/bin/bash
# shellcheck disable=SC2016,SC2181  # steps are single-quoted (the shell of each step expands them); $? after (set -e; ...)
# corpus-archivers.sh - issue 3, real programs: tar and cpio both ways (an
# archive made outside extracted into the union over lower files, and the
# merged tree archived out of the union and extracted outside), compared
# with a kernel overlayfs mount of the same layers (or a merged copy); see
# tests/corpus/lib.sh.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/corpus/lib.sh
. "$REPO/tests/corpus/lib.sh"
corpus_init archivers

# ext_archives DIR: ext_tree, plus a tree "tree/..." that lands on the
# layers' own tree (replacing lower files, adding to merged directories,
# with a hard link, a symlink over a lower file and a directory over a
# lower file), archived as in.tar, in.tgz and in.cpio (newc).
ext_archives() {
    local d=$1
    ext_tree "$d" || return 1
    (
        cd "$d" || exit 1
        set -e
        mkdir -p root/tree/sub/deep root/tree/leafy/x/new root/tree/newdir root/tree/empty
        printf 'tar: top\n' >root/tree/top.txt
        printf 'tar: deep a\n' >root/tree/sub/deep/a.txt
        printf 'tar: new in leafy/x\n' >root/tree/leafy/x/new/n.txt
        printf 'tar: hard\n' >root/tree/newdir/h1
        ln root/tree/newdir/h1 root/tree/newdir/h2
        ln -s top.txt root/tree/bottom.txt
        printf 'tar: in a dir over a lower file\n' >root/tree/empty/f
        chmod 700 root/tree/newdir
        chmod 640 root/tree/top.txt
        touch -h -d @1650000000 root/tree/top.txt root/tree/bottom.txt root/tree/sub/deep/a.txt
        tar -C root --sort=name --mtime=@1650000000 -cf in.tar tree
        tar -C root --sort=name --mtime=@1650000000 -czf in.tgz tree
        (cd root && find tree | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet) >in.cpio
        tar -C "$d" --sort=name -cf src.tar src
    )
    [ $? -eq 0 ] || return 1  # (not `|| return`: that would turn set -e off inside)
}

corpus_job "tar -x into the union over lower files" layers_tree ext_archives
corpus_step 'tar -xf "$EXT/in.tar" && cat tree/top.txt tree/bottom.txt tree/sub/deep/a.txt tree/empty/f && stat -c "%n %a %s %h %Y" tree/top.txt tree/newdir tree/newdir/h1 tree/newdir/h2 tree/sub/deep/a.txt'
corpus_step 'tar -xzf "$EXT/in.tgz" --overwrite -C tree/leafy --strip-components=1 && tar -xf "$EXT/src.tar" -C tree/sub && find tree | sort'
corpus_step 'tar -xf "$EXT/in.tar" --keep-old-files 2>&1 | sort; echo status=${PIPESTATUS[0]}; tar -xf "$EXT/in.tar" --skip-old-files && tar -df "$EXT/in.tar" && echo same'

corpus_job "tar -c of the merged tree out of the union, and a pipe within it" layers_tree
corpus_step 'tar --sort=name -cf "$OUT/out.tar" tree only_a only_b && tar -tvf "$OUT/out.tar" && mkdir "$OUT/x" && tar -xpf "$OUT/out.tar" -C "$OUT/x"'
corpus_step 'tar --sort=name -c tree | tar -x -C only_a && tar --sort=name --use-compress-program="gzip -n" -cf "$OUT/out.tgz" -C tree sub leafy && tar -tzf "$OUT/out.tgz" && diff -r tree only_a/tree && echo same'
corpus_step 'echo changed >tree/top.txt && rm -r tree/sub && tar --sort=name --mtime=@1650000000 -cf "$OUT/after.tar" tree && tar -tvf "$OUT/after.tar" | awk "{print \$1, \$3, \$6}"'

# newc headers hold each directory's link count: 1 for a merged directory
# on the kernel and in the union (docs/semantics.md), so the archive made
# out of the union is the kernel's byte for byte.  A merged copy (the
# oracle when the kernel cannot mount) is no union, its directories count
# their subdirectories: there the archive is compared by its listing
# without link counts and by its extracted tree instead.
if [ "$KERNEL" = 1 ]; then CPIO_NLINK=' \$2,'; else CPIO_NLINK=; fi
corpus_job "cpio -i into the union, -o out of it" layers_tree ext_archives
# The archive holds the times of what the step just made (tree/leafy/new):
# the two sides run seconds apart, so its bytes cannot match.  Its listing
# (cpio -tv, link counts included) and the extracted tree are compared.
corpus_mask 'out\.cpio'
corpus_step 'cpio -idmu --quiet <"$EXT/in.cpio" && cat tree/top.txt tree/bottom.txt tree/empty/f && stat -c "%n %a %s %h %Y" tree/top.txt tree/newdir/h1 tree/newdir/h2 tree/sub/deep/a.txt'
corpus_step 'mkdir tree/leafy/new && find tree only_a | sort | cpio -o -H newc --reproducible --quiet >"$OUT/out.cpio" && cpio -tv --quiet <"$OUT/out.cpio" | awk "{print \$1,'"$CPIO_NLINK"' \$5, \$NF}" && mkdir "$OUT/x" && cd "$OUT/x" && cpio -idm --quiet <"$OUT/out.cpio"'
corpus_step 'cpio -id --quiet <"$EXT/in.cpio" 2>&1 | sort; echo status=${PIPESTATUS[0]}; find tree -newer tree/only_here 2>/dev/null | wc -l'

corpus_job "cpio -p pass-through into, within and out of the union" layers_tree ext_archives
corpus_step '(cd "$EXT/src" && find . | sort | cpio -pdmu --quiet "$MNT/tree") && find tree | sort && cat tree/both.txt tree/sub/deep/a.txt'
corpus_step 'find tree -depth | cpio -pdm --quiet "$OUT/pass" && find tree/sub | cpio -pdml --quiet copied 2>&1 && find copied | sort && stat -c "%n %h" tree/sub/d2.dat copied/tree/sub/d2.dat'

corpus_run
