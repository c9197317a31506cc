/* The caller's side of core/ (core/caller.h): what a path or a check needs
 * to know of who asks, from the caller given or, for ue_self, from this
 * process at the moment it is asked. */
#include "caller.h"
#include "cwd.h"
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

const struct ue_caller ue_self = { 0 };

int ue_caller_in_group(const struct ue_caller *c, gid_t gid)
{
	if (c->has_creds) {
		if (gid == c->gid)
			return 1;
		for (int i = 0; i < c->ngroups; i++)
			if (c->groups[i] == gid)
				return 1;
		return 0;
	}
	gid_t groups[NGROUPS_MAX];
	if (gid == getegid())
		return 1;
	int n = getgroups(NGROUPS_MAX, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

int ue_caller_base(const struct ue_caller *c, int dirfd, char *out, size_t size)
{
	if (dirfd != AT_FDCWD)
		return c->fd_vpath ? c->fd_vpath(c, dirfd, out, size) : ue_fd_vpath(dirfd, out, size);
	if (!c->cwd)
		return ue_cwd_get(out, size);
	if (strlen(c->cwd) + 1 > size)
		return -ENAMETOOLONG;
	strcpy(out, c->cwd);
	return 0;
}
