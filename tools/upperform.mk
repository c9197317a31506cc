# tools/upperform.mk: the probe of the upper's filesystem (which form of
# whiteouts it can hold), built from the core's own probe.  The launcher
# links formpick.c itself; unionenv-upperform is the same choice for scripts.
TOOLS += build/unionenv-upperform

FORMPICK = tools/formpick.c tools/formpick.h

build/unionenv-upperform: tools/upperform.c $(FORMPICK) build/core/form.o build/core/gate.o build/core/longpath.o build/core/markers.o build/core/path.o core/form.h core/config.h core/markers.h
	@mkdir -p build
	$(CC) -std=gnu11 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -Icore -Itools $(CFLAGS) -o $@ tools/upperform.c tools/formpick.c build/core/form.o build/core/gate.o build/core/longpath.o build/core/markers.o build/core/path.o
