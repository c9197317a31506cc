/* ondir: see ondir.h. */
#include "ondir.h"
#include "procfd.h"
#include "sys.h"

#include <fcntl.h>

int ue_on_dir(const char *real_dir, int (*fn)(const char *dir))
{
	char proc[UE_PROC_FD_SIZE];
	int fd = sys_openat(AT_FDCWD, real_dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	/* "/.": the l*xattr calls do not follow a final magic link. */
	ue_proc_fd(proc, sizeof proc, fd, ".");
	int r = fn(proc);
	sys_close(fd);
	return r;
}
