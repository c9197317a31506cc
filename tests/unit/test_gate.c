/* core/gate.c: the gate's copy at its fixed address is the same code, and
 * an address already taken is said, not overwritten. */
#include "gate.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

typedef long gate_fn(long, long, long, long, long, long, long);

/* Is [UE_GATE_ADDR, +UE_GATE_SIZE) mapped read and execute, not write? */
static int gate_page_mode(char *mode, size_t size)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && lo <= UE_GATE_ADDR && UE_GATE_ADDR < hi) {
			snprintf(mode, size, "%s", perms);
			found = 1;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static void gate_taken(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		void *p = mmap((void *)UE_GATE_ADDR, UE_GATE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p != (void *)UE_GATE_ADDR)
			_exit(2);
		int r = ue_gate_fixed();
		/* the page is still the one mapped here: readable, zero */
		_exit(r == -EEXIST && *(volatile char *)UE_GATE_ADDR == 0 ? 0 : 1);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "an address already taken: -EEXIST, the mapping there left alone");
}

void test_gate(void)
{
	char mode[8] = "";
	ok(__stop_ue_gate - __start_ue_gate > 0 && (unsigned long)(__stop_ue_gate - __start_ue_gate) <= UE_GATE_SIZE,
	   "the gate's section holds the gate, within a page");
	gate_taken();
	is_int(ue_gate_fixed(), 0, "the gate is copied to its fixed address");
	ok(gate_page_mode(mode, sizeof mode) && !strcmp(mode, "r-xp"), "... mapped read and execute only");
	gate_fn *fixed = (gate_fn *)UE_GATE_ADDR;
	is_int(fixed(SYS_getpid, 0, 0, 0, 0, 0, 0), getpid(), "the copy makes system calls");
	is_int(fixed(SYS_close, -1, 0, 0, 0, 0, 0), -EBADF, "... and returns -errno");
	is_int(ue_gate_fixed(), 0, "copying again is a no-op");
	is_int(ue_gate_syscall6(SYS_getppid, 0, 0, 0, 0, 0, 0), getppid(), "the library's own gate still works");
	ue_gate_reset();
}
