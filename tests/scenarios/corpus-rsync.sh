#!/bin/bash
# shellcheck disable=SC2016  # steps are single-quoted: the shell of each step expands them
# corpus-rsync.sh - issue 3, real programs: rsync -a into the union (over
# lower files, --delete, --inplace, --backup, -H), out of it and within it,
# compared with a kernel overlayfs mount of the same layers (or a merged
# copy); see tests/corpus/lib.sh.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/corpus/lib.sh
. "$REPO/tests/corpus/lib.sh"
corpus_init rsync

# (--itemize lines for directories are compared too, ".d..t......" ones
# included: copy-up keeps the times of the directories it brings up.)
# --no-inc-recursive: with incremental recursion rsync's generator sets a
# directory's times while its receiver still writes deeper down, and a
# copy-up there (tree/sub, for sub/deep/a.txt) puts back the times its
# parent had when it began: the kernel's as ours (ovl_set_timestamps of
# the times read before the copy, without a lock, "best effort"), so
# either side printed ".d..t...... ./" in the next step now and then
# (seen twice in CI, once on each side).  Without it the times are set at the end.
RS='rsync --no-inc-recursive --out-format="%i %n%L"'

corpus_job "rsync -a into the union over lower files" layers_tree ext_tree
corpus_step "$RS"' -a "$EXT/src/" tree/ | sort -k2 && cat tree/both.txt tree/sub/deep/a.txt && stat -c "%n %a %Y" tree/new.txt tree/newdir tree/both.txt'
corpus_step "$RS"' -a --delete "$EXT/src/sub/" tree/sub/ | sort -k2 && find tree/sub | sort'
corpus_step "$RS"' -a --delete "$EXT/src/" only_b/ | sort -k2 && '"$RS"' -a "$EXT/src/" tree/ | sort -k2 && find only_b | sort'

corpus_job "rsync into the union: --inplace, -I, --backup, -c" layers_tree ext_tree
corpus_step "$RS"' -a -I --inplace "$EXT/src/both.txt" tree/both.txt && cat tree/both.txt && '"$RS"' -a -I --backup --suffix=.bak "$EXT/src/sub/deep/a.txt" tree/sub/deep/ && cat tree/sub/deep/a.txt tree/sub/deep/a.txt.bak'
corpus_step "$RS"' -a -c "$EXT/src/" tree/ | sort -k2 && '"$RS"' -a --existing --ignore-times "$EXT/src/" tree/leafy/ | sort -k2 && find tree -newer tree/top.txt | sort'

corpus_job "rsync --delete over a deep lower tree" layers_deep
corpus_step 'mkdir -p "$OUT/src" && cp -a deep "$OUT/src/" && rm -r "$OUT/src/deep/d1/d2/d3/d4/side" "$OUT/src/deep/d1/d2/d3/d4/d5/d6/d7" && echo n >"$OUT/src/deep/d1/d2/new" && '"$RS"' -a --delete "$OUT/src/deep/" deep/ | sort -k2 && find deep | sort'

corpus_job "rsync -a out of the union, then --delete after changes" layers_tree
corpus_step "$RS"' -aH tree only_a only_b "$OUT/" | sort -k2 && stat -c "%n %h" "$OUT/tree/sub/d1.dat" "$OUT/tree/sub/d1.hard"'
corpus_step 'echo changed >tree/top.txt && rm -r tree/leafy/x && mkdir tree/leafy/new && echo n >tree/leafy/new/f && '"$RS"' -a --delete tree/ "$OUT/tree/" | sort -k2 && '"$RS"' -a -c --delete tree/ "$OUT/tree/" | sort -k2'

corpus_job "rsync -a within the union" layers_tree
corpus_step "$RS"' -aH tree/ tree2/ | sort -k2 && '"$RS"' -a --delete only_a/ only_b/ | sort -k2 && find tree2 only_b | sort'
corpus_step "$RS"' -a --delete tree/sub/ tree/leafy/ | sort -k2 && find tree/leafy | sort && '"$RS"' -a --remove-source-files only_a/ tree/ | sort -k2 && find only_a | sort'

corpus_run
