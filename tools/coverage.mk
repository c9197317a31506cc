# tools/coverage.mk: `unionenv check` (is a program one the preload can
# follow?), reading ELF files with libelf; the preloaded library itself
# never links it.
TOOLS += build/unionenv-check

ELFSCAN = tools/elfscan.c tools/elfscan.h

build/unionenv-check: tools/check.c $(ELFSCAN)
	@mkdir -p build
	$(CC) $(UE_CFLAGS) $(CFLAGS) -Itools -o $@ tools/check.c tools/elfscan.c -lelf

install: install-check-doc
install-check-doc:
	install -d $(DESTDIR)$(MANDIR)
	install -m 0644 docs/unionenv-check.1 $(DESTDIR)$(MANDIR)/unionenv-check.1

.PHONY: install-check-doc
