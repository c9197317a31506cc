/* The credentials that the union's permission checks are made for change
 * under a running process: seteuid, setgroups, syscall(SYS_setresuid).
 * The preload keeps them per thread (core/caller.h) until such a call says
 * they changed; each removal below is decided by the union itself (its
 * directory is a lower one, owned by root, and the upper is writable by
 * uid 65534), so a stale uid or group list would let it through.  Run as
 * root from the mount.  Prints one line per removal. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void rm(const char *who, const char *path)
{
	printf("%s: unlink %s: %s\n", who, path, unlink(path) == 0 ? "done" : strerror(errno));
}

int main(void)
{
	gid_t g = 4242;
	setvbuf(stdout, NULL, _IOLBF, 0);
	rm("root", "r0/f");                          /* the credentials asked once */
	if (seteuid(65534) < 0)
		return 1;
	rm("seteuid(65534)", "r1/f");
	if (syscall(SYS_setresuid, -1, 0, -1) < 0)
		return 1;
	rm("syscall setresuid(-1, 0, -1)", "r2/f");
	if (syscall(SYS_setresuid, -1, 65534, -1) < 0)
		return 1;
	rm("syscall setresuid(-1, 65534, -1)", "r3/f");
	if (seteuid(0) < 0 || setgroups(1, &g) < 0 || seteuid(65534) < 0)
		return 1;
	rm("in group 4242", "g1/f");
	if (seteuid(0) < 0 || setgroups(0, NULL) < 0 || seteuid(65534) < 0)
		return 1;
	rm("in no group", "g2/f");
	return 0;
}
