#include "procfd.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

void test_procfd(void)
{
	static const long fds[] = { 0, 7, 10, 1023, 2147483647, -100, -2147483647 - 1 };
	char buf[UE_PROC_FD_SIZE], want[64];
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++) {
		snprintf(want, sizeof want, "/proc/self/fd/%ld", fds[i]);
		is_int(ue_proc_fd(buf, sizeof buf, fds[i], NULL), (int)strlen(want), "proc_fd %ld: its length", fds[i]);
		is_str(buf, want, "proc_fd %ld", fds[i]);
		snprintf(want, sizeof want, "/proc/self/fd/%ld/.", fds[i]);
		ue_proc_fd(buf, sizeof buf, fds[i], ".");
		is_str(buf, want, "proc_fd %ld with a name", fds[i]);
	}
	char small[17];
	is_int(ue_proc_fd(small, 17, 12, NULL), 16, "proc_fd: \"/proc/self/fd/12\" in 17 bytes");
	is_int(ue_proc_fd(small, 16, 12, NULL), -ENAMETOOLONG, "proc_fd: not in 16, no room for its NUL");
	is_str(small, "", "proc_fd: nothing usable left when too long");
	char path[PATH_MAX];
	is_int(ue_proc_fd(path, sizeof path, 5, "a/b"), (int)strlen("/proc/self/fd/5/a/b"), "proc_fd with a path");
	is_str(path, "/proc/self/fd/5/a/b", "proc_fd with a path: the name after a slash");
}
