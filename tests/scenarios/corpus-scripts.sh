#!/bin/bash
# shellcheck disable=SC2016  # steps are single-quoted: the shell of each step expands them
# corpus-scripts.sh - issue 3, real programs: scripts run as ./script from
# the union (from either lower or from the upper, through PATH, env -i,
# find -exec, xargs, make, timeout; #! interpreters of several kinds, one of
# them living in a lower), compared with a kernel overlayfs mount of the
# same layers (or a merged copy); see tests/corpus/lib.sh.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/corpus/lib.sh
. "$REPO/tests/corpus/lib.sh"
corpus_init scripts

# layers_scripts A B: scripts in both layers.  A is the mount, so a #! line
# may name an interpreter by its path in the union: bin/mysh is in B only.
# The scripts print $0 (the kernel passes a script the path it was run by)
# and some find their data by $(dirname "$0"), as configure or a test
# suite does: tools/ is in B, its data.txt in A.
layers_scripts() {
    local a=$1 b=$2
    layers_tree "$a" "$b" || return 1
    mkdir -p "$a/bin" "$a/tools" "$b/bin" "$b/tools" || return 1
    # shellcheck disable=SC2028  # the \n are for printf
    {
        printf '#!/bin/sh\necho "$0: cwd files: $(ls | tr "\\n" " ")"\ncat tree/both.txt tree/bottom.txt\necho made >made.by.run\ntools/helper.sh from-run\n' >"$a/run.sh"
        printf '#!/bin/sh\necho "$0: $1: $(cat only_b/f) $(cat "$(dirname "$0")/data.txt")"\n' >"$b/tools/helper.sh"
        printf '#!/usr/bin/env bash\nset -e\nmapfile -t lines <tree/top.txt\necho "$0: ${#lines[@]} line(s): ${lines[0]} $(<"${BASH_SOURCE%%/*}/data.txt")"\n' >"$b/tools/envbash"
        printf '#!/usr/bin/perl -w\nopen(my $f, "<", "tree/bottom.txt") or die; print "$0: ", <$f>;\n' >"$b/tools/p.pl"
        printf '#!/usr/bin/python3 -I\nimport os, sys\nprint(sys.argv[0], __file__, sorted(os.listdir("tree/leafy")), open(os.path.join(os.path.dirname(__file__), "data.txt")).read().strip())\n' >"$b/tools/py"
        printf '#!%s/bin/mysh\necho "$0: $(cat tree/top.txt)"\n' "$a" >"$a/bin/viamysh"
        printf '#!/bin/sh\necho "$0 on PATH: $*"\n' >"$b/bin/tool"
        printf '#!/bin/sh\necho "$0: $1 $(wc -c <"$1")"\n' >"$b/tools/each.sh"
        printf '#!/bin/sh\nexit 3\n' >"$a/bin/fail3"
        printf '#!/bin/sh\necho never\n' >"$a/noexec.sh"
        printf 'all:\n\t./run.sh >make.out\n\ttools/helper.sh from-make\n' >"$a/Makefile"
        printf 'data from A\n' >"$a/tools/data.txt"
    } || return 1
    chmod 755 "$a/run.sh" "$b/tools/helper.sh" "$b/tools/envbash" "$b/tools/p.pl" "$b/tools/py" \
        "$a/bin/viamysh" "$b/bin/tool" "$b/tools/each.sh" "$a/bin/fail3" || return 1
    cp /bin/dash "$b/bin/mysh" 2>/dev/null || cp /bin/sh "$b/bin/mysh" || return 1
    corpus_fix_times "$a" "$b"
}

corpus_job "./script from the lowers: sh, env bash, perl, python3, a lower interpreter" layers_scripts
corpus_step './run.sh && cat made.by.run'
corpus_step 'tools/envbash && tools/p.pl && tools/py && bin/viamysh && cd tools && ./helper.sh again 2>&1; echo st=$?'
corpus_step 'bin/fail3; echo st=$?; ./noexec.sh 2>/dev/null; echo st=$?; ./nope.sh 2>/dev/null; echo st=$?'

corpus_job "scripts written in the union, then run; scripts changed in the union" layers_scripts
corpus_step 'printf "#!/bin/sh\necho \$0: new script: \$(cat tree/both.txt)\n" >new.sh && chmod +x new.sh && ./new.sh && mkdir -p tree/sub/deep/x && cp new.sh tree/sub/deep/x/ && tree/sub/deep/x/new.sh'
corpus_step './new.sh && echo "echo appended to run.sh" >>run.sh && ./run.sh && sed -i "s/^echo \"/echo \"HELPER /" tools/helper.sh && tools/helper.sh edited && chmod -x tools/p.pl && tools/p.pl 2>/dev/null; echo st=$?'

corpus_job "scripts through PATH, env -i, find -exec, xargs, make, timeout, nice" layers_scripts
corpus_step 'PATH=$PWD/bin:$PATH tool a b && PATH=$PWD/tools:$PATH helper.sh via-path && env -i PATH=/usr/bin:/bin ./run.sh && env -i tools/helper.sh cleared'
corpus_step 'find tree -maxdepth 1 -name "*.txt" -exec tools/each.sh {} \; | sort && find tree/sub -name "d*.dat" -print0 | sort -z | xargs -0 -n 1 tools/each.sh && timeout 20 ./run.sh >/dev/null && nice -n 1 tools/helper.sh nice'
corpus_step 'make -s && cat make.out && sh -c "exec tools/helper.sh exec" && bash -c "tools/envbash" && (cd tree && ../tools/helper.sh relative 2>&1)'

corpus_run
