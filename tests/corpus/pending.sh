#!/bin/bash
# pending.sh - corpus jobs that fail today (see pending.txt); not run by
# tests/run (it runs tests/scenarios/*.sh only).  When a fix lands, move
# the job into its corpus script (tests/scenarios/corpus-*.sh) and drop it
# here.
# Run: bash tests/corpus/pending.sh   (CORPUS_ONLY=substring selects jobs)
# shellcheck disable=SC2016  # steps are single-quoted: the shell of each step expands them
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/corpus/lib.sh
. "$REPO/tests/corpus/lib.sh"
corpus_init pending

# layers_so A B: in B, the sources of a shared library and a program that
# uses it, and the library built (pre/libpre.so), as a toolchain or a
# dependency shipped as a lower layer would be.
layers_so() {
    mkdir -p "$2/src" "$2/pre" &&
    printf 'int f(void) { return 42; }\n' >"$2/src/f.c" &&
    printf '#include <stdio.h>\nint f(void);\nint main(void) { printf("%%d\\n", f()); return 0; }\n' >"$2/src/m.c" &&
    gcc -shared -fPIC -o "$2/pre/libpre.so" "$2/src/f.c"
}

# P6: the dynamic loader does not see the union
corpus_job "P6 a program built in the union finds its shared library by LD_LIBRARY_PATH and rpath" layers_so
corpus_step 'mkdir lib && gcc -shared -fPIC -o lib/libf.so src/f.c && gcc -o m src/m.c -Llib -lf -Wl,-rpath,\$ORIGIN/lib && ./m && gcc -o m2 src/m.c -Llib -lf && LD_LIBRARY_PATH=$PWD/lib ./m2'
corpus_step 'gcc -o m3 src/m.c -Lpre -lpre && LD_LIBRARY_PATH=$PWD/pre ./m3; gcc -o m4 src/m.c -L$PWD/pre -lpre -Wl,-rpath,$PWD/pre && ./m4'

corpus_run
