# tools/conformance.mk: the op-runner of the conformance harness
# (tests/conformance/).  A test program, built with `make` but not a tool:
# it is kept out of TOOLS so that `make install` does not install it.
# tests/conformance/run also builds it on demand when it is missing or stale.
all: build/conformance/oprun

OPRUN_SRC = $(wildcard tests/conformance/oprun/*.c)
build/conformance/oprun: $(OPRUN_SRC) tests/conformance/oprun/oprun.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Wno-unused-parameter $(CFLAGS) -o $@ $(OPRUN_SRC)
