/* Cleaning a tree below an opaque directory (core/opaquetree.h). */
#include "opaquetree.h"

#include "config.h"
#include "mark.h"
#include "markers.h"
#include "procfd.h"
#include "sys.h"
#include "tmpname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Deeper than any tree a race can have left unseen; a bound, not a limit
 * anyone meets: the walk holds one fd and one buffer per level. */
#define MAX_DEPTH 256

int ue_opaque_dir_fd(int dfd)
{
	char proc[UE_PROC_FD_SIZE];
	ue_proc_fd(proc, sizeof proc, dfd, ".");
	return (ue_dir_markers(proc, ue_cfg.upper_form == UE_FORM_AUFS ? UE_AUFS_ASSUME : 0) & UE_DIR_OPAQUE) != 0;
}

static int is_dir_entry(int dfd, const struct linux_dirent64 *d)
{
	struct stat st;
	if (d->d_type != DT_UNKNOWN)
		return d->d_type == DT_DIR;
	return sys_fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int opaque_tree(int dfd, const char *name, int depth);

/* Every directory in fd (at depth) that skip does not name cleaned as
 * opaque_tree cleans it; the first error is returned, the walk goes on. */
static int clean_children(int fd, int (*skip)(const char *name, void *arg), void *arg, int depth)
{
	char *buf = malloc(4096);
	long n = 0;
	int r = 0;
	if (!buf)
		return -ENOMEM;
	while ((n = sys_getdents64(fd, buf, 4096)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			off += d->d_reclen;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") || ue_is_tmp_name(d->d_name) ||
			    (skip && skip(d->d_name, arg)) || !is_dir_entry(fd, d))
				continue;
			int rc = opaque_tree(fd, d->d_name, depth + 1);
			if (rc < 0 && r == 0)
				r = rc;
		}
	}
	free(buf);
	return r < 0 ? r : n < 0 ? (int)n : 0;
}

static int opaque_tree(int dfd, const char *name, int depth)
{
	char proc[UE_PROC_FD_SIZE];
	if (depth > MAX_DEPTH)
		return -ELOOP;
	int fd = sys_openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;  /* gone meanwhile: nothing to clean */
	ue_proc_fd(proc, sizeof proc, fd, ".");
	int r = ue_set_opaque_clean(proc);
	if (r == 0)
		r = clean_children(fd, NULL, NULL, depth);
	sys_close(fd);
	return r;
}

int ue_opaque_tree_at(int dfd, const char *name)
{
	return opaque_tree(dfd, name, 0);
}

int ue_opaque_unseen(const char *dir, int (*seen)(const char *name, void *arg), void *arg)
{
	int fd = sys_openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	int r = clean_children(fd, seen, arg, -1);
	sys_close(fd);
	return r;
}
