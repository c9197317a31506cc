#!/bin/bash
# shellcheck disable=SC2016  # steps are single-quoted: the shell of each step expands them
# corpus-build.sh - issue 3, real programs: build tools in a union whose
# lower A holds configure, Makefile.in and the headers and whose lower B
# holds the sources: a handwritten autotools-style configure (dozens of
# compile, link and run tests, config.h, Makefile), make (-j2, rebuilds
# driven by gcc -MD dependency files, install, clean, VPATH builds,
# $(wildcard), vpath, recursive make), gcc (-MD/-MMD/-MF, -save-temps, ar,
# shared libraries), compared with a kernel overlayfs mount of the same
# layers (or a merged copy); see tests/corpus/lib.sh and tests/corpus/project/.
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/corpus/lib.sh
. "$REPO/tests/corpus/lib.sh"
corpus_init build

# layers_build A B: configure, Makefile.in, Makefile.multi and include/ in
# A; src/ in B, with a sub-project sub/ split over both.
layers_build() {
    local a=$1 b=$2 f=$CORPUS/project
    mkdir -p "$a/include" "$b/src" "$a/sub" "$b/sub" || return 1
    cp "$f/configure" "$f/Makefile.in" "$a/" &&
        cp "$f/Makefile.multi" "$a/Makefile" &&
        cp "$f/include/app.h" "$a/include/" &&
        cp "$f/src/main.c" "$f/src/util.c" "$f/src/strings.c" "$f/src/util.h" "$b/src/" &&
        printf 'all: hello\nhello: hello.c\n\t$(CC) -o $@ $<\nclean:\n\trm -f hello\n' >"$a/sub/Makefile" &&
        printf '#include <stdio.h>\nint main(void) { puts("hello from sub"); return 0; }\n' >"$b/sub/hello.c" &&
        printf '/* config.h for the Makefile.multi build */\n#define PACKAGE_NAME "multi"\n#define PACKAGE_VERSION "2"\n#define SIZEOF_LONG 8\n' >"$b/config.h" &&
        corpus_fix_times "$a" "$b"
}

# (make -j2 prints its commands in either order: sorted.)
corpus_job "configure, make -j2, rebuild from -MD dependencies, install, clean" layers_build
corpus_step './configure --prefix=/opt/app && cat config.h && grep -c "^configure: " config.log && ls -A'
corpus_step 'make -j2 | sort && ./app check && ./app.link && make && make -q; echo q=$?'
corpus_step 'touch -d @1700000000 src/util.h && make && make && touch include/app.h && make -n | sort'
corpus_step './configure --prefix=/opt/app | tail -2 && make && make install DESTDIR="$PWD/stage" && find stage | sort'
corpus_step 'make clean && ls -A && make distclean && ls -A && ls -A src'

corpus_job "out-of-tree (VPATH) build in a new directory of the union" layers_build
# (configure finds its sources by $0: run as ../configure, it gets
# srcdir=.., the path it was run by, and reads the union through it.)
corpus_step 'mkdir build && cd build && ../configure --enable-debug CFLAGS=-O1 | tail -3 && grep "^srcdir" Makefile && make -j2 | sort && ./app && head -n 1 main.d'
corpus_step 'cd build && make && echo "int extra;" >>../src/strings.c && make && ls -A'

corpus_job "make: \$(wildcard), vpath, order-only dirs, recursive make over merged directories" layers_build
corpus_step 'make -j2 | sort && cat report.txt && obj/prog && sub/hello'
corpus_step 'echo "int more(void) { return 1; }" >src/more.c && rm src/strings.c && make 2>&1 | sort; cat report.txt'
corpus_step 'make clean | sort && ls -A . obj sub 2>&1 | sort'

# layers_many A B: 24 sources in a directory four levels down in B, and a
# Makefile in A that compiles each next to its source.
layers_many() {
    local i
    mkdir -p "$1" "$2/a/b/c/d" || return 1
    for ((i = 1; i <= 24; i++)); do
        printf 'int f%d(void) { return %d; }\n' "$i" "$i" >"$2/a/b/c/d/s$i.c" || return 1
    done
    printf 'SRCS := $(sort $(wildcard a/b/c/d/*.c))\nall: $(SRCS:.c=.o)\n%%.o: %%.c\n\t@$(CC) -c -o $@ $<\n' >"$1/Makefile" &&
        corpus_fix_times "$1" "$2"
}

corpus_job "make -j16 writes into one lower directory from many processes at once" layers_many
corpus_step 'make -j16 && ls a/b/c/d | wc -l && make -j16 && for i in 1 2 3 4 5 6 7 8; do (mkdir -p x/y/z && echo $i >x/y/z/f$i) & done; wait; ls x/y/z'

corpus_job "gcc -MD, -MMD -MF -MT, -save-temps, ar and a static library" layers_build
corpus_step './configure >/dev/null && mkdir obj && gcc -I. -Iinclude -Isrc -MD -c src/main.c -o obj/main.o && gcc -I. -Iinclude -Isrc -MMD -MF obj/util.dep -MT obj/util.o -c src/util.c -o obj/util.o && cat obj/util.dep && grep -c "^ " obj/main.d'
corpus_step 'mkdir tmp && TMPDIR=$PWD/tmp gcc -I. -Iinclude -Isrc -save-temps=obj -c src/strings.c -o obj/strings.o && ls -A obj tmp && ar rcs obj/libapp.a obj/util.o obj/strings.o && ar t obj/libapp.a && gcc -o obj/app obj/main.o obj/libapp.a && obj/app'

corpus_run
