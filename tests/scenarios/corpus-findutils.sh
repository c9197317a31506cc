#!/bin/bash
# shellcheck disable=SC2016  # steps are single-quoted: the shell of each step expands them
# corpus-findutils.sh - issue 3, real programs: find (-delete, -exec, -execdir,
# predicates over a merged tree, -L, -noleaf) and xargs in a union of two
# lowers, compared with a kernel overlayfs mount of the same layers (or a
# merged copy); see tests/corpus/lib.sh.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/corpus/lib.sh
. "$REPO/tests/corpus/lib.sh"
corpus_init findutils

corpus_job "find: listing and predicates over a merged tree" layers_tree
corpus_step 'find . | sort && find tree -printf "%y %m %s %p %l\n" | sort -k4'
corpus_step 'find tree -type d | sort; find tree -type l | sort; find tree -type p; find tree -empty | sort; find tree -maxdepth 1 -mindepth 1 -type f | sort'
corpus_step 'find tree -size +100k; find tree -perm -u+x -type f; find tree -perm 600; find tree -samefile tree/sub/d1.dat | sort; find tree -links 2 -type f | sort; find tree -name "*space*"'
corpus_step 'find tree/leafy | sort; find tree/leafy -noleaf | sort; find tree/leafy -type d | sort; find -L tree -type f 2>&1 | sort; find tree -xtype l | sort; find tree -depth -path "*/deep*" | sort'
# (-newer over directories too: the parents that copy-up brings to the
# upper keep their times, only those whose entries changed are new)
corpus_step 'touch -d @1700000000 tree/ref && echo new >tree/leafy/z/new && touch tree/top.txt && find tree -newer tree/ref | sort && find tree -newer tree/sub/d1.dat | sort && find tree -type d -newer tree/ref | sort'

# (deep/ is ten levels deep: deeper than the directory fds fts keeps, so
# find climbs back by ".." and checks its inode number, which copy-up keeps.)
corpus_job "find -delete: files, symlinks, whole merged directories, a deep lower tree" layers_tree_deep
corpus_step 'find tree -name "*.dat" -delete && find tree -type l -delete && find deep -name g -delete && find . | sort'
corpus_step 'find tree/leafy -delete && test ! -e tree/leafy && find tree -empty -delete && find deep/d1/d2/d3/d4 -path "*/d6*" -delete && find deep -delete && find . | sort'
corpus_step 'find only_a only_b -delete && find tree/sub -depth -type d -name deep -exec rm -rf {} + && mkdir tree/leafy && find . | sort'

corpus_job "find -exec and -execdir: edit, chmod, mkdir, rm in place" layers_tree
corpus_step 'find tree -type f -name "*.txt" -exec sed -i s/in/IN/ {} + && cat tree/top.txt tree/sub/deep/a.txt tree/sub/deep/b.txt'
corpus_step 'find tree -type f -name "d[23].dat" -exec chmod 600 {} \; && find tree -type d -exec touch {}/.keep \; && find tree -name .keep | sort && find tree -type f -perm 600 | sort'
corpus_step 'find tree -name "*.keep" -execdir rm {} \; && find tree -name "d?.dat" -execdir sh -c "cat \"\$1\" >>all.txt" sh {} \; && sort -o tree/sub/all.txt tree/sub/all.txt && cat tree/sub/all.txt && find tree -name ".keep" | wc -l'
corpus_step 'find tree -mindepth 1 -maxdepth 1 -type d -exec mv {} {}.old \; ; find tree -maxdepth 1 | sort'

corpus_job "xargs: grep, cp and rm over find's output" layers_tree
corpus_step 'find tree -type f -name "*.txt" -print0 | xargs -0 grep -l A | sort && find tree -type f -name "*.txt" -print0 | xargs -0 -n 1 wc -c | sort -k2'
corpus_step 'mkdir collect && find tree -name "d*.dat" -print0 | xargs -0 cp -t collect && find tree -name "*.txt" -size -12c -print0 | xargs -0 rm -- && find . -name "*.txt" | sort && ls collect'

corpus_run
