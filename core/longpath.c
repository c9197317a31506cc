#include "longpath.h"
#include "procfd.h"
#include "sys.h"

#include <stdio.h>
#include <sys/mman.h>

int ue_long_walk(int *dirfd, const char **path, int *opened)
{
	const char *s = *path;
	int fd = *dirfd, own = -1;
	char chunk[PATH_MAX];
	while (strnlen(s, UE_LONG_REST) == UE_LONG_REST) {
		/* The longest run of whole components that the kernel takes. */
		size_t cut = UE_LONG_REST - 1;
		while (cut > 0 && s[cut] != '/')
			cut--;
		if (cut == 0) {
			/* One component longer than any name the kernel allows. */
			if (own >= 0)
				sys_close(own);
			return -ENAMETOOLONG;
		}
		memcpy(chunk, s, cut);
		chunk[cut] = '\0';
		int next = sys_openat(fd, chunk, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		if (own >= 0)
			sys_close(own);
		if (next < 0)
			return next;
		fd = own = next;
		for (s += cut; *s == '/'; s++)
			;
	}
	*dirfd = fd;
	*path = s;
	*opened = own;
	return 0;
}

int ue_long_proc(const char **path, char *buf, size_t size, int *opened)
{
	int fd = AT_FDCWD;
	const char *rest = *path;
	int r = ue_long_walk(&fd, &rest, opened);
	if (r < 0 || *opened < 0)
		return r;
	ue_proc_fd(buf, size, fd, rest);
	*path = buf;
	return 0;
}

/* A call may name two long paths (rename, link), and a wrapper inside a
 * wrapper two more. */
#define HELD 4

/* Mapped the first time a thread meets a long path: a thread's static TLS
 * lives in its stack, which a program may have made small. */
struct held {
	int fd;
	char name[PATH_MAX];
};

__thread int ue_long_held __attribute__((tls_model("initial-exec")));
static __thread struct held *held;

const char *ue_long_name(const char *real, int *err)
{
	if (!held) {
		long m = UE_SYS(SYS_mmap, NULL, HELD * sizeof *held, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m < 0) {
			*err = -ENOMEM;
			return NULL;
		}
		held = (struct held *)m;
	}
	if (ue_long_held == HELD) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	int i = ue_long_held;
	int r = ue_long_proc(&real, held[i].name, sizeof held[i].name, &held[i].fd);
	if (r < 0) {
		*err = r;
		return NULL;
	}
	ue_long_held++;
	return real;
}

void ue_long_release(void)
{
	while (ue_long_held > 0)
		sys_close(held[--ue_long_held].fd);
}
