# tools/coverage.mk: `unionenv check` (is a program one the preload can
# follow?) and the developer's coverage tool (is every libc entry point
# that can touch a path wrapped?).  Both read ELF files with libelf (the
# check only for its warning scan); the preloaded library itself never
# links it.
# The coverage tool is the developers' own: built by `make`, kept out of
# TOOLS so that `make install` (and the Debian package) leave it out.
TOOLS += build/unionenv-check
all: build/unionenv-coverage

ELFSCAN = tools/elfscan.c tools/elfscan.h core/elfnative.h

# The verdict itself is the core's (core/followable.c), shared with the
# library's exec wrappers.
FOLLOWABLE_OBJ = build/core/followable.o build/core/shebang.o build/core/elfhead.o build/core/followcache.o build/core/gate.o build/core/longpath.o

build/unionenv-check: tools/check.c tools/progcheck.c tools/progcheck.h $(ELFSCAN) tools/jsonstr.c tools/jsonstr.h $(FOLLOWABLE_OBJ)
	@mkdir -p build
	$(CC) $(UE_CFLAGS) $(CFLAGS) -Itools -o $@ tools/check.c tools/progcheck.c tools/elfscan.c tools/jsonstr.c $(FOLLOWABLE_OBJ) -lelf

# The coverage tool compiles in the two tables of preload/ and the
# classification of tools/path-functions.txt (.incbin, relative to here).
COVERAGE_SRC = tools/coverage.c tools/coveragetables.c tools/coverageclass.c tools/coveragesyms.c \
               tools/coverageclassify.c tools/coveragereport.c
build/unionenv-coverage: $(COVERAGE_SRC) tools/coverage.h $(ELFSCAN) tools/path-functions.txt \
		preload/wrappers.def preload/unwrapped.def
	@mkdir -p build
	$(CC) $(UE_CFLAGS) $(CFLAGS) -Itools -DUE_PATHFN_FILE='"tools/path-functions.txt"' \
		-o $@ $(COVERAGE_SRC) tools/elfscan.c -lelf -ldl

# docs/coverage.md is generated from the tables: run this after changing
# preload/wrappers.def, preload/unwrapped.def or tools/path-functions.txt
# (tests/scenarios/coverage.sh says when it is stale).
coverage-doc: build/unionenv-coverage
	build/unionenv-coverage --markdown >docs/coverage.md.tmp
	mv docs/coverage.md.tmp docs/coverage.md

install: install-check-doc
install-check-doc:
	install -d $(DESTDIR)$(MANDIR)
	install -m 0644 docs/unionenv-check.1 $(DESTDIR)$(MANDIR)/unionenv-check.1

.PHONY: coverage-doc install-check-doc
