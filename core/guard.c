/* The guard against writes that would reach a lower by a road the
 * resolver does not see: a path outside the mount (a symlink pointing in,
 * a lower named directly) whose kernel target lies in a lower is redone
 * in the union.  Both front ends (preload/, supervisor/) resolve every
 * change through it. */
#include "guard.h"
#include "config.h"
#include "layerpath.h"
#include "path.h"
#include "procfd.h"
#include "sys.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Where the kernel would really act for (dirfd, path): the canonical path of
 * the target, or of its parent plus the last name when it does not exist. */
static int kernel_target(int dirfd, const char *path, int follow, char *out, size_t size)
{
	char link[64], dir[UE_PATH_MAX];
	int fd = sys_openat(dirfd, path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), 0);
	const char *name = NULL;
	if (fd < 0) {
		size_t n = strlen(path);
		while (n > 1 && path[n - 1] == '/')
			n--;
		if (n + 1 > sizeof dir)
			return -ENAMETOOLONG;
		memcpy(dir, path, n);
		dir[n] = '\0';
		char *slash = strrchr(dir, '/');
		name = slash ? slash + 1 : dir;
		if (slash == dir)
			fd = sys_openat(dirfd, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		else if (slash) {
			*slash = '\0';
			fd = sys_openat(dirfd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		} else {
			fd = sys_openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		}
		if (fd < 0)
			return fd;
	}
	ue_proc_fd(link, sizeof link, fd, NULL);
	long n = sys_readlinkat(AT_FDCWD, link, out, size - 1);
	sys_close(fd);
	if (n < 0)
		return (int)n;
	out[n] = '\0';
	if (name)
		return ue_path_join(out, size, out, name);
	return 0;
}

int ue_resolve_for_change(const struct ue_caller *c, int dirfd, const char *path, int flags, struct ue_path *p)
{
	char target[UE_PATH_MAX], v[UE_PATH_MAX];
	flags |= UE_RECHECK;
	int r = ue_resolve_as(c, dirfd, path, flags, p);
	if (r < 0 || p->where == UE_UNION || !ue_config_active() || !path || !*path)
		return r;
	if (kernel_target(ue_kfd(p, dirfd), ue_kpath(p, path), flags & UE_FOLLOW, target, sizeof target) < 0 ||
	    ue_layer_of(target) <= UE_UPPER)
		return r;
	if ((r = ue_unreal(v, sizeof v, target)) < 0)
		return r;
	/* The kernel's target of "x/.." is the directory: the call must still
	 * see that it was named by "..". */
	int last = ue_path_last(path);
	r = ue_resolve_as(c, AT_FDCWD, v, flags, p);
	p->last = last;
	return r;
}
