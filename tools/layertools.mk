# The layer tools: diff, export, import, commit, convert, fsck (issue 5).
# Included by the top Makefile; each program is build/unionenv-NAME, run by
# the launcher as `unionenv NAME ...` and installed beside the library.
# They link two core objects (markers, paths) and, for export/import,
# zlib and libzstd; never libarchive.
#
# zlib and libzstd are required (scripts/install-deps.sh installs them): a
# machine without their headers fails to build, loudly, rather than
# building an export whose --gzip/--zstd say "built without".  Deciding by
# what /usr/include held when make read this file went wrong on a fresh
# machine, where `make test` installs the packages after that (issue 9).
# A build without them is asked for by name: make UE_WITHOUT_ZLIB=1
# UE_WITHOUT_ZSTD=1.

LT_DIR    = build/layertools
LT_CFLAGS = -std=gnu11 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
            -D_FILE_OFFSET_BITS=64 -Icore -Itools
LT_LIBS   =
ifeq ($(UE_WITHOUT_ZLIB),)
LT_CFLAGS += -DUE_HAVE_ZLIB
LT_LIBS   += -lz
endif
ifeq ($(UE_WITHOUT_ZSTD),)
LT_CFLAGS += -DUE_HAVE_ZSTD
LT_LIBS   += -lzstd
endif

# The shared pieces layer.h declares.
LT_LAYER  = $(LT_DIR)/toolerr.o $(LT_DIR)/pathbuf.o $(LT_DIR)/layerdir.o $(LT_DIR)/layerxattr.o \
            $(LT_DIR)/lowers.o $(LT_DIR)/files.o $(LT_DIR)/quote.o $(LT_DIR)/owner.o
LT_COMMON = $(LT_LAYER) $(LT_DIR)/jsonstr.o $(LT_DIR)/progress.o $(LT_DIR)/ociwalk.o build/core/markers.o build/core/tmpname.o build/core/path.o build/core/override.o build/core/gate.o build/core/longpath.o
# This file too: a change of the flags above rebuilds the objects.
LT_HDRS   = $(wildcard tools/layer.h tools/ociwalk.h tools/tar.h tools/tarsource.h tools/commit.h tools/treediff.h tools/import.h tools/markform.h tools/progress.h tools/jsonstr.h tools/layerindex.h tools/fsck.h) core/layerpath.h core/origin.h core/dirorigin.h core/procfd.h core/markers.h core/tmpname.h core/path.h core/override.h \
            tools/layertools.mk

$(LT_DIR)/%.o: tools/%.c $(LT_HDRS)
	@mkdir -p $(LT_DIR)
	$(CC) $(LT_CFLAGS) $(CFLAGS) -c -o $@ $<

# The tar code: the sink and the header writer, the source and the reader.
LT_TAR = $(LT_DIR)/tarsink.o $(LT_DIR)/tarwrite.o $(LT_DIR)/tarsource.o $(LT_DIR)/tarread.o

# The index of --work (layerindex.c) names entries by the core's origin
# records.
LT_INDEX = $(LT_DIR)/layerindex.o build/core/origin.o

$(LT_DIR)/unionenv-diff: $(LT_DIR)/diff.o $(LT_INDEX) $(LT_DIR)/treediff.o $(LT_DIR)/treedifflist.o $(LT_DIR)/treediffemit.o $(LT_COMMON)
	$(CC) $(CFLAGS) -o $@ $^

$(LT_DIR)/unionenv-export: $(LT_DIR)/export.o $(LT_INDEX) $(LT_TAR) $(LT_COMMON)
	$(CC) $(CFLAGS) -o $@ $^ $(LT_LIBS)

$(LT_DIR)/unionenv-import: $(LT_DIR)/import.o $(LT_DIR)/nameset.o $(LT_DIR)/importcheck.o $(LT_DIR)/importwrite.o $(LT_TAR) $(LT_COMMON)
	$(CC) $(CFLAGS) -o $@ $^ $(LT_LIBS)

# convert --lower materialises redirects and metacopy with the core's own
# lookup and copy-up: it links the whole core, not two objects of it.
$(LT_DIR)/unionenv-convert: $(LT_DIR)/convert.o $(LT_DIR)/markform.o $(LT_DIR)/materialise.o \
                            $(LT_LAYER) $(LT_DIR)/jsonstr.o $(LT_DIR)/progress.o $(LT_DIR)/ociwalk.o $(CORE_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ -lpthread

$(LT_DIR)/unionenv-fsck: $(LT_DIR)/fsck.o $(LT_DIR)/fsckindex.o $(LT_DIR)/fsckorigin.o build/core/dirorigin.o \
                         $(LT_INDEX) $(LT_DIR)/markform.o $(LT_COMMON)
	$(CC) $(CFLAGS) -o $@ $^

$(LT_DIR)/unionenv-commit: $(LT_DIR)/commit.o $(LT_INDEX) $(LT_DIR)/commitplan.o $(LT_DIR)/commitfs.o \
                           $(LT_DIR)/commitstage.o $(LT_DIR)/commitapply.o $(LT_COMMON)
	$(CC) $(CFLAGS) -o $@ $^

# The launcher runs build/unionenv-NAME.  Copied through a temporary name:
# a test may be running the old program ("text file busy").
LT_WIRED = diff export import convert fsck commit
$(LT_WIRED:%=build/unionenv-%): build/unionenv-%: $(LT_DIR)/unionenv-%
	cp $< $@.tmp && mv -f $@.tmp $@

LT_MAN = $(wildcard docs/unionenv-diff.1 docs/unionenv-export.1 docs/unionenv-import.1 \
                    docs/unionenv-commit.1 docs/unionenv-convert.1 docs/unionenv-fsck.1)
TOOLS += $(LT_WIRED:%=build/unionenv-%)
MANPAGES += $(LT_MAN)

# `make install` installs the programs ($(TOOLS)); the pages come here.
install-tools-man:
	install -d $(DESTDIR)$(MANDIR)
	for m in $(LT_MAN); do install -m 0644 $$m $(DESTDIR)$(MANDIR)/; done

.PHONY: install-tools-man
