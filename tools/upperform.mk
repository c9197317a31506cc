# tools/upperform.mk: the launcher's probe of the upper's filesystem (which
# form of whiteouts it can hold), built from the core's own probe.
TOOLS += build/unionenv-upperform

build/unionenv-upperform: tools/upperform.c build/core/form.o build/core/gate.o core/form.h core/config.h core/whiteout.h
	@mkdir -p build
	$(CC) -std=gnu11 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -Icore $(CFLAGS) -o $@ tools/upperform.c build/core/form.o build/core/gate.o
