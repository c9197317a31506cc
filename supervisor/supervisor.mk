# supervisor/supervisor.mk: build/unionenv-supervise, the second front end
# to core/ (docs/design.md, "The supervisor").  It links core/ and the
# implementations behind the preload's table (preload/*_impl), never the
# wrappers themselves: no libc name may be defined in it (checked below),
# or it would interpose on its own libc.
TOOLS += build/unionenv-supervise

SV_SRC = $(wildcard supervisor/*.c)
SV_OBJ = $(SV_SRC:%.c=build/%.o)
# The preload's objects that hold implementations only.
SV_PRELOAD_OBJ = $(addprefix build/preload/,args.o attr.o change.o stat.o open.o dir.o fdtab.o init.o table.o gated.o)

build/supervisor/%.o: supervisor/%.c $(HEADERS) $(wildcard supervisor/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(UE_CFLAGS) $(CFLAGS) -Isupervisor -c -o $@ $<

build/unionenv-supervise: $(SV_OBJ) $(SV_PRELOAD_OBJ) $(CORE_OBJ)
	$(CC) -o $@ $^ -ldl -lpthread
	@bad=$$(nm -D --defined-only $@ | awk '$$2 ~ /[TWi]/ {print $$3}' | grep -v '^_' ); \
	if [ -n "$$bad" ]; then echo "unionenv-supervise defines libc names: $$bad" >&2; rm -f $@; exit 1; fi

# The filter's program alone, run through an interpreter and attached in a
# child (tests/scenarios/supervisor-filter.sh).
TOOLS_TESTS += build/tests/filter-check
build/tests/filter-check: tests/supervisor/filter-check.c build/supervisor/filterprog.o supervisor/filter.h core/gate.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -O2 -D_GNU_SOURCE -Isupervisor -Icore -o $@ $< build/supervisor/filterprog.o
