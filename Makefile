# unionenv: build, test, install.  `make test` and `make demo` are the two
# commands a fresh machine needs; both install their Debian packages first.
CC      ?= gcc
CFLAGS  ?= -O2 -g
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib/unionenv
MANDIR  ?= $(PREFIX)/share/man/man1
# Where the bash-completion package loads completions from, by command name.
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

# No _FILE_OFFSET_BITS/_TIME_BITS: they would rename open to open64 in the
# headers and the wrappers must define both names themselves.
# -ftls-model=initial-exec: the preload's thread-local state (the wrapper
# depth, the locks held, the cache bypass, read by every wrapper) is reached
# at a fixed offset from the thread pointer, not through a call to
# __tls_get_addr.  The library is loaded before the program starts
# (LD_PRELOAD), in the static TLS block; its 0x248 bytes of TLS fit the
# surplus that glibc keeps for a dlopen of such a library as well.
UE_CFLAGS = -std=gnu11 -Wall -Wextra -Wno-unused-parameter -fPIC \
            -fvisibility=hidden -ftls-model=initial-exec -D_GNU_SOURCE -Icore -Ipreload

CORE_SRC    = $(wildcard core/*.c)
PRELOAD_SRC = $(wildcard preload/*.c)
UNIT_SRC    = $(wildcard tests/unit/*.c)
CORE_OBJ    = $(CORE_SRC:%.c=build/%.o)
PRELOAD_OBJ = $(PRELOAD_SRC:%.c=build/%.o)
HEADERS     = $(wildcard core/*.h preload/*.h preload/*.def)

TOOLS =
MANPAGES = docs/unionenv.1
# Programs that the scenarios run inside a union (tests/scenarios/libc.sh).
TEST_PROGS = $(patsubst tests/preload/%.c,build/tests/%,$(wildcard tests/preload/*.c))
all: build/libunionenv.so build/unit-tests tools $(TEST_PROGS) build/tests/tree-list

build/tests/%: tests/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -O2 -o $@ $< -lpthread

# The listing of a tree that every scenario compares (tests/lib/snapshot.sh).
build/tests/tree-list: tests/lib/tree-list.c tests/lib/sha256.c tests/lib/sha256.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -O2 -o $@ tests/lib/tree-list.c tests/lib/sha256.c

# Each tool of tools/ adds itself to TOOLS in its own fragment (and a test
# program of its own to TOOLS_TESTS, built with the tools, never installed).
TOOLS_TESTS =
-include $(wildcard tools/*.mk) supervisor/supervisor.mk launcher/launcher.mk
tools: $(TOOLS) $(TOOLS_TESTS)

build/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(UE_CFLAGS) $(CFLAGS) -c -o $@ $<

# The preload links nothing but libc (and libdl, part of it since 2.34).
# Linked aside and renamed into place: a union running meanwhile keeps
# the library it mapped, and a program it starts finds the old one or the
# new one, never a half-written file its loader would skip (and so run
# the program outside the union).
build/libunionenv.so: $(CORE_OBJ) $(PRELOAD_OBJ)
	$(CC) -shared -Wl,-z,defs -Wl,-z,now -o $@.tmp $^ -ldl
	mv -f $@.tmp $@

build/unit-tests: $(UNIT_SRC) $(CORE_OBJ) $(HEADERS)
	$(CC) $(UE_CFLAGS) $(CFLAGS) -Itests/unit -o $@ $(UNIT_SRC) $(CORE_OBJ)

deps:
	@bash scripts/install-deps.sh

# The packages come first, and the build is a new make that reads the
# makefiles only after they are installed (and never runs beside the
# installation under -j).  test-build is that first half of `make test`
# alone: CI runs it once, then the root and the uid 65534 runs side by side.
test-build: deps
	@$(MAKE) --no-print-directory all

test: test-build
	@bash tests/run

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh

# Issue 12's table (native, kernel overlayfs, fuse-overlayfs, fakechroot,
# unionenv; start-up; system calls per operation): a few minutes.
# BENCH_SCALE=0.05 for a quick run; see the script's head for the knobs.
bench: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench/metadata-bench.sh

# The split-project build of issue 2 (full, no-op, whole-root).
bench-build: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench/build-bench.sh

# Issue 12's scale: start-ups and find over a 1,000,000-file lower and a
# 100,000-entry upper beside small ones, with find's peak RSS (~10 minutes).
bench-scale: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench/scale-bench.sh

# Issue 11's speed: one supervised stat and open beside native and the
# preload, and `go build` of a generated module, native vs union.
bench-supervisor: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench/supervisor-bench.sh
	@bash tests/bench/go-bench.sh

# Only what it installs: a packager's build (debian/rules) need not build
# the tests.
install: build/libunionenv.so tools
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR)
	install -m 0755 build/libunionenv.so $(DESTDIR)$(LIBDIR)/libunionenv.so
	for t in $(TOOLS); do install -m 0755 $$t $(DESTDIR)$(LIBDIR)/; done
	# `unionenv` is the launcher itself, through a relative symbolic link
	# (no shell started in front of every run: the shell cost 1.5-2 ms a
	# start, issue 12); the launcher finds LIBDIR as its own directory, so
	# an installed tree can still move whole.
	rm -f $(DESTDIR)$(BINDIR)/unionenv
	ln -s $(shell realpath -m -s --relative-to=$(BINDIR) $(LIBDIR))/unionenv-launch $(DESTDIR)$(BINDIR)/unionenv
	for m in $(MANPAGES); do install -m 0644 $$m $(DESTDIR)$(MANDIR)/; done
	install -d $(DESTDIR)$(COMPLETIONDIR)
	install -m 0644 completion/unionenv.bash $(DESTDIR)$(COMPLETIONDIR)/unionenv

clean:
	rm -rf build

.PHONY: all deps test test-build demo bench bench-build bench-scale bench-supervisor install clean tools
