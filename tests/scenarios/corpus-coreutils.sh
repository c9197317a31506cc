#!/bin/bash
# shellcheck disable=SC2016  # steps are single-quoted: the shell of each step expands them
# corpus-coreutils.sh - issue 3, real programs: coreutils doing real jobs in
# a union of two lowers (cp -a, mv, rm -rf, ln, install, mktemp, touch -r,
# chmod -R, du, ls -lR, stat), compared with a kernel overlayfs mount of the
# same layers (or a merged copy); see tests/corpus/lib.sh.
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/corpus/lib.sh
. "$REPO/tests/corpus/lib.sh"
corpus_init coreutils

# Link counts of directories: a merged directory has 1 on the kernel and
# in the union (docs/semantics.md); a merged copy, the oracle when the
# kernel cannot mount, is no union: its directories count their
# subdirectories.  So they are compared on the kernel only.
if [ "$KERNEL" = 1 ]; then DIRNLINK=; else DIRNLINK='if ($1 ~ /^d/) $2 = "-"'; fi
# Listings after changes: the layers' times are compared (those of the
# directories on a copied-up path too: copy-up keeps them); a time within
# the last hour is the clock's (a new entry, a directory whose entries
# changed) and reads "now".
LSR='now=$(($(date +%s) - 3600)) && ls -lRA --time-style=+%s | awk -v now="$now" '\''/^total/ {next} NF >= 7 {if ($6 > now) $6 = "now"; '"$DIRNLINK"'} {print}'\'

corpus_job "cp -a within, out of and into the union" layers_tree ext_tree
corpus_step 'cp -a tree tree.copy && cp -a tree/. "$OUT/" && cp -a "$EXT/src/." tree/ && cp -a "$EXT/src" tree/sub/ext'
corpus_step 'cp -a only_a only_b tree.copy/ && cp -a tree/sub/d1.dat tree/sub/d1.hard tree/leafy && ls -A tree tree.copy tree/leafy'
corpus_step "$LSR"

corpus_job "cp without -a: -r, -p, -n, -u, --backup, onto lower files" layers_tree
corpus_step 'cp -r tree/sub tree/sub2 && cp -p tree/ro.txt tree/ro.copy && cp tree/top.txt tree/both.txt && cat tree/both.txt'
corpus_step 'cp -n tree/bottom.txt tree/both.txt; cp -u tree/bottom.txt tree/leafy/a.txt; cp --backup=numbered tree/bottom.txt tree/top.txt; cp --backup=numbered tree/bottom.txt tree/top.txt; ls -A tree; cat tree/top.txt tree/top.txt.~1~'
corpus_step 'cp -L tree/top.link tree/deref.txt && cp -P tree/top.link tree/link2 && cp --remove-destination tree/bottom.txt tree/private.txt && stat -c "%n %a %s %F" tree/deref.txt tree/link2 tree/private.txt'

corpus_job "mv of files and directories, within and out of the union" layers_tree
corpus_step 'mv tree/top.txt tree/moved.txt && mv tree/bottom.txt tree/sub/ && mv tree/big.bin tree/both.txt && ls -A tree tree/sub && cat tree/moved.txt'
corpus_step 'mv tree/leafy tree/leafy.moved && mv only_a tree/ && mv tree/sub/deep tree/deep2 && find tree | sort'
corpus_step 'mv tree/private.txt tree/sub/d2.dat "$OUT/" && mv tree/emptydir "$OUT/" && mv only_b "$OUT/ob" && ls -A tree tree/sub . "$OUT"'
corpus_step 'mv tree/tool.sh tree/tool && ./tree/tool && mv -T tree/deep2 tree/emptydir && mv -b tree/ro.txt tree/empty && ls -A tree'

# (deep/ is ten levels deep: deeper than the directory fds fts keeps, so
# rm climbs back by ".." and checks its inode number, which copy-up keeps.)
corpus_job "rm -rf of merged, lower-only, deep and new trees, then recreate" layers_tree_deep
corpus_step 'rm -rf tree/sub tree/leafy/x only_b deep && ls -A tree tree/leafy . && test ! -e tree/sub'
corpus_step 'mkdir -p tree/sub/new && echo fresh >tree/sub/new/f && rm -rf tree/leafy && mkdir tree/leafy && find tree | sort'
corpus_step 'rm -f tree/top.link tree/dangling tree/fifo tree/ro.txt "tree/with space.txt" && rm -rf tree && ls -A && mkdir tree && ls -A tree'

# The inode numbers go to OUT/ino.*: they differ from one filesystem to
# another, so only their count (one: link() keeps the lower file's number
# across its copy-up) is compared, not the files' contents.
corpus_job "ln: hard links to lower files, symbolic links, -sf and -sfn" layers_tree
corpus_mask 'ino\.(before|after)'
corpus_step 'stat -c %i tree/top.txt >"$OUT/ino.before" && ln tree/top.txt tree/top.hard && stat -c %i tree/top.txt tree/top.hard >"$OUT/ino.after" && sort -u "$OUT/ino.before" "$OUT/ino.after" | wc -l && ln tree/sub/d1.dat tree/d1.again && echo more >>tree/top.hard && cat tree/top.txt && stat -c "%n %h %s" tree/top.txt tree/top.hard && stat -c "%n %s" tree/d1.again'
corpus_step 'ln -s ../only_a/f tree/fa && ln -sf bottom.txt tree/top.link && ln -sfn sub tree/deep.link && ln -s tree/leafy leafy.link && readlink tree/fa tree/top.link tree/deep.link && cat tree/fa tree/top.link && ls leafy.link/ && ls -A tree/deep.link/'
corpus_step 'ln -s x tree/both.txt; echo st=$?; ln -f tree/bottom.txt tree/both.txt && cat tree/both.txt && ln -sr tree/sub/d3.dat tree/rel.link && readlink tree/rel.link'

corpus_job "install: -d, -m, -D, over lower files" layers_tree
corpus_step 'install -d -m 0750 tree/inst/a/b && install -m 0644 tree/tool.sh tree/inst/a/tool && install -m 0755 tree/top.txt tree/both.txt && install -D -m 0600 tree/bottom.txt tree/new/deep/dir/b.txt'
corpus_step 'install -C -m 0644 tree/bottom.txt tree/new/deep/dir/b.txt && install -b tree/top.txt tree/ro.txt && stat -c "%n %a %s" tree/inst tree/inst/a tree/inst/a/b tree/inst/a/tool tree/both.txt tree/new/deep/dir/b.txt tree/ro.txt tree/ro.txt~'

corpus_job "mktemp: files and directories in the union, TMPDIR in the union" layers_tree
corpus_step 'f=$(mktemp tree/tmp.XXXXXX) && d=$(mktemp -d -p tree/sub) && echo data >"$f" && echo in >"$d/f" && stat -c "%a %F" "$f" "$d" && mv "$f" tree/tmpfile && mv "$d" tree/sub/tmpdir && ls -A tree/sub/tmpdir'
corpus_step 'mkdir tree/tmp && f=$(TMPDIR=$PWD/tree/tmp mktemp) && g=$(mktemp --tmpdir=tree/leafy x.XXXX.txt) && case $f in "$PWD"/tree/tmp/tmp.*) echo in-tmp ;; esac && case $g in tree/leafy/x.*.txt) echo suffix ;; esac && test -f "$f" && rm "$f" "$g" && ls -A tree/tmp tree/leafy'
corpus_step 'mktemp -u tree/XXXXXX >/dev/null && d=$(mktemp -d tree/sub/deep/XXXXXXXX) && ls -A tree/sub/deep | wc -l && rmdir "$d" && ls -A tree/sub/deep'

corpus_job "touch: -r from lower files, -d, -h, -c, new files" layers_tree
corpus_step 'touch -r tree/sub/d1.dat tree/new.txt && touch -d @1700000000 tree/top.txt tree/sub && touch -r tree/top.txt tree/bottom.txt && stat -c "%n %Y %s" tree/new.txt tree/top.txt tree/bottom.txt tree/sub'
corpus_step 'touch -h -d @1500000000 tree/top.link && touch -c tree/nothere && touch -m -d @1650000000 tree/leafy && touch -a -d @1660000000 tree/both.txt && stat -c "%n %Y" tree/top.link tree/top.txt tree/leafy tree/both.txt && test ! -e tree/nothere'
corpus_step 'touch -r tree/top.link tree/ref.txt && touch -r tree/emptydir tree/sub/deep && stat -c "%n %Y" tree/ref.txt tree/sub/deep tree/emptydir'

corpus_job "chmod -R on merged trees and a deep lower tree" layers_tree_deep
corpus_step 'chmod -R go-rwx tree/sub && chmod -R a+rX tree/leafy && chmod 711 tree && stat -c "%n %a" tree tree/sub tree/sub/deep tree/sub/d1.dat tree/sub/d1.hard tree/leafy/x/y/g tree/leafy/z'
corpus_step 'chmod -R g+w,o-rx deep && chmod -R -c u-w deep/d1/d2/d3/d4/d5/d6 | wc -l && find deep -printf "%p %m\n" | sort'
corpus_step 'chmod -R u=rwX,g=rX,o= tree && chmod -c 644 tree/tool.sh && chmod --reference=tree/private.txt tree/top.txt && find tree -printf "%p %m\n" | sort'

corpus_job "du: apparent sizes and blocks" layers_tree
# (Which name of a hard-linked file du counts depends on the readdir order:
# -l counts both, and the plain listing is only counted.)
corpus_step 'du -alb --apparent-size tree | sort -k2 && du -sb --apparent-size tree only_a only_b && du -s --inodes tree && du -a tree | wc -l'
corpus_step 'rm tree/big.bin && head -c 50000 /dev/zero >tree/sub/zero && du -alb --apparent-size tree | sort -k2 && du -sh --apparent-size . && du -s --inodes .'
corpus_step 'du -al tree/sub | awk "{print \$2}" | sort && du -d 1 --apparent-size -b tree | sort -k2'

corpus_job "ls -lR of the merged tree, before and after changes" layers_tree
corpus_step 'ls -lRA --time-style=+%s | awk '\''{'"$DIRNLINK"'} {print}'\'''
corpus_step 'ls -R && ls -1F tree && ls -la tree/leafy | awk "NR > 1 {print \$1, \$NF}" && ls -ld tree/top.link tree/fifo tree/dangling | awk "{print \$1, \$NF}"'
corpus_step 'chmod 640 tree/both.txt && echo x >tree/leafy/x/new && rm tree/sub/d2.dat && ln -s x tree/sub/lnk && '"$LSR"

corpus_job "copy-up keeps the times of the parent directories it copies up" layers_tree
corpus_step 'echo x >>tree/leafy/x/f && chmod 600 tree/sub/deep/b.txt && stat -c "%n %Y" tree tree/leafy tree/leafy/x tree/sub tree/sub/deep'
corpus_step 'ls -lRA --time-style=+%s tree | awk '\''$1 ~ /^d/ {print $1, $6, $7}'\'' && find tree only_a only_b -newer tree/emptydir | sort'

corpus_job "a directory of 2000 merged entries: ls, find, du, rm of many, telldir/seekdir" layers_big
corpus_step 'ls big | wc -l && ls -f big | sort | uniq -d | wc -l && find big -type d | sort && du --inodes -s big'
corpus_step 'perl -e '\''opendir(D, "big") or die; my ($n, $pos) = (0); while (defined(readdir D)) { $pos = telldir D if ++$n == 1500 } seekdir D, $pos; my $m = 0; $m++ while defined(readdir D); print "$n entries, $m after seekdir\n"'\'''
corpus_step 'rm big/a1* big/c2* && touch big/new{1..300} && ls big | wc -l && ls big | sed -n "1p;1000p;\$p" && du --inodes -s big'

corpus_job "stat of every kind of entry, -L, before and after copy-up" layers_tree
corpus_step 'stat -c "%n %F %a %s %Y %h" tree/top.txt tree/both.txt tree/bottom.txt tree/ro.txt tree/private.txt tree/empty tree/fifo tree/top.link tree/dangling tree/big.bin tree/sub/d1.dat tree/sub/d1.hard tree/with\ space.txt && stat -c "%n %F %a" tree tree/leafy tree/emptydir only_a'
corpus_step 'stat -L -c "%n %F %s" tree/top.link tree/deep.link tree/sub/up.link; stat -L tree/dangling >/dev/null 2>&1; echo dangling=$?; stat -c "%N" tree/top.link tree/sub/up.link'
corpus_step 'echo x >>tree/bottom.txt && chmod 700 tree/leafy && stat -c "%n %F %a %s %h" tree/bottom.txt tree/sub/d1.dat && stat -c "%n %F %a %s" tree/leafy && stat -t tree/ro.txt | cut -d" " -f1-4'
# (copy-up keeps st_ino, of files and of directories: tools that compare
# inode numbers, such as git clone, File::Path and fts, rely on it)
corpus_step 'i=$(stat -c %i tree/both.txt tree/sub tree/sub/b_only tree/sub/b_only/e) && echo x >>tree/both.txt && touch tree/sub/b_only/e/new && test "$(stat -c %i tree/both.txt tree/sub tree/sub/b_only tree/sub/b_only/e)" = "$i" && echo same inode numbers'

corpus_run
