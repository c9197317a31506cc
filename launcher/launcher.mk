# launcher/launcher.mk: build/unionenv-launch, the launcher behind
# unionenv.sh (installed as `unionenv`): the checks, the verdict on the
# command (tools/progcheck.c), the upper's form (tools/formpick.c), the
# environment and the exec, in one process.  Installed beside the library,
# which it finds as its own directory.
#
# Linked static-pie: no dynamic loader, no libc.so to map and relocate.
# On these VMs a page fault costs 44-65 us and the dynamic launcher took
# 138 faults a start against 110; 200 starts of `-- /bin/true`: 7.6 -> 5.8
# ms a start (issue 12, the launcher's own cost).
TOOLS += build/unionenv-launch

LAUNCH_SRC = $(wildcard launcher/*.c) tools/progcheck.c tools/formpick.c
# The layers' token (launcher/token.c): the library's own check.
LAUNCH_CORE_OBJ = build/core/config.o build/core/layercheck.o build/core/layerpath.o

build/unionenv-launch: $(LAUNCH_SRC) launcher/launcher.h tools/progcheck.h tools/formpick.h \
		$(FOLLOWABLE_OBJ) build/core/form.o build/core/markers.o build/core/path.o $(LAUNCH_CORE_OBJ) core/form.h core/followable.h
	@mkdir -p build
	$(CC) $(UE_CFLAGS) $(CFLAGS) -static-pie -Ilauncher -Itools -o $@ $(LAUNCH_SRC) $(FOLLOWABLE_OBJ) build/core/form.o build/core/markers.o build/core/path.o $(LAUNCH_CORE_OBJ)
