#!/bin/bash
# shellcheck disable=SC2016  # steps are single-quoted: the shell of each step expands them
# corpus-python3.sh - issue 3, real programs: python3 (os.walk, os.scandir,
# shutil.copytree, shutil.rmtree, tempfile, file I/O and mmap on lower files,
# importing a module from a lower and writing its bytecode) in a union of two
# lowers, compared with a kernel overlayfs mount of the same layers (or a
# merged copy); see tests/corpus/lib.sh and tests/corpus/pyjobs.py.
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/corpus/lib.sh
. "$REPO/tests/corpus/lib.sh"
corpus_init python3

# -B: the script itself lives in the checkout, where no bytecode may land.
PJ='"$PYTHON" -B "$CORPUS/pyjobs.py"'

# layers_py A B: layers_tree, plus a package split over the two layers.
layers_py() {
    layers_tree "$1" "$2" || return 1
    mkdir -p "$1/lib/pkg" "$2/lib/pkg" &&
        printf 'from . import helper\nVALUE = helper.twice(21)\n' >"$1/lib/pkg/__init__.py" &&
        printf 'def twice(x):\n    return 2 * x\n' >"$2/lib/pkg/helper.py" &&
        printf 'import pkg\nprint("value", pkg.VALUE)\n' >"$2/lib/main.py" &&
        corpus_fix_times "$1" "$2"
}

corpus_job "python3 os.walk over a merged tree" layers_tree
corpus_step "$PJ"' walk tree'

corpus_job "python3 os.scandir, listdir by fd, glob, pathlib" layers_tree
corpus_step "$PJ"' scandir tree'
corpus_step 'echo new >tree/leafy/new.txt && rm tree/sub/d2.dat && '"$PJ"' scandir tree'

corpus_job "python3 shutil.copytree within, out of and into the union; copy2, move" layers_tree ext_tree
corpus_step "$PJ"' copytree tree "$OUT" "$EXT"'

corpus_job "python3 shutil.rmtree of merged and lower-only directories" layers_tree
corpus_step "$PJ"' rmtree tree'

corpus_job "python3 shutil.rmtree, os.fwalk and os.walk of a deep lower tree" layers_deep
corpus_step '"$PYTHON" -c "import os; print(sum(len(f) for _, _, f in os.walk(\"deep\"))); print(sorted(d for d, _, _, _ in os.fwalk(\"deep\"))[-1])" && "$PYTHON" -c "import shutil; shutil.rmtree(\"deep/d1/d2\")" && find deep | sort'
corpus_step '"$PYTHON" -c "import shutil; shutil.rmtree(\"deep\")" && ls -A'

corpus_job "python3 tempfile in the union" layers_tree
corpus_step "$PJ"' temp tree'

corpus_job "python3 file I/O, mmap and os metadata calls on lower files" layers_tree
corpus_step "$PJ"' fileio tree'

corpus_job "python3 subprocess (with cwd=), os.system, os.popen" layers_tree
corpus_step "$PJ"' procs tree'

corpus_job "python3 imports a package from the lowers and writes its bytecode" layers_py
corpus_step 'cd lib && "$PYTHON" main.py && find . -name "*.pyc" | sort'
corpus_step 'cd lib && "$PYTHON" main.py && "$PYTHON" -m compileall -q . && find . -name "*.pyc" | sort'

corpus_run
