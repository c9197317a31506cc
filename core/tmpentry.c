#include "tmpentry.h"
#include "layerpath.h"
#include "procfd.h"
#include "sharedwhiteout.h"
#include "sys.h"
#include "path.h"
#include "markers.h"
#include "origin.h"
#include "tmpname.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

int ue_tmp_name_pick(struct ue_tmp *t)
{
	char proc[32], path[UE_PATH_MAX];
	ue_proc_fd(proc, sizeof proc, t->dfd, NULL);
	int r = ue_tmp_name(path, sizeof path, proc);
	const char *name = strrchr(path, '/') + 1;
	if (r == 0 && (strlen(name) >= sizeof t->name || strlen(path) >= sizeof t->path))
		r = -ENAMETOOLONG;
	if (r < 0)
		return r;
	strcpy(t->name, name);
	strcpy(t->path, path);
	return 0;
}

static int tmp_open(struct ue_tmp *t, const char *real_dir, int named)
{
	t->name[0] = t->path[0] = '\0';
	t->dfd = sys_openat(AT_FDCWD, real_dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (t->dfd < 0)
		return t->dfd;
	int r = named ? ue_tmp_name_pick(t) : 0;
	if (r < 0)
		ue_tmp_close(t);
	return r;
}

int ue_tmp_open(struct ue_tmp *t, const char *real_dir)
{
	return tmp_open(t, real_dir, 1);
}

static int open_parent(struct ue_tmp *t, const char *real, const char **base, int named)
{
	char dir[UE_PATH_MAX];
	const char *name = ue_path_base(real);
	int r;
	if (name == real || !name[0])
		return -EINVAL;
	if ((r = ue_path_parent(dir, sizeof dir, real)) < 0)
		return r;
	*base = name;
	return tmp_open(t, dir, named);
}

int ue_tmp_open_parent(struct ue_tmp *t, const char *real, const char **base)
{
	return open_parent(t, real, base, 1);
}

int ue_tmp_open_parent_unnamed(struct ue_tmp *t, const char *real, const char **base)
{
	return open_parent(t, real, base, 0);
}

void ue_tmp_close(struct ue_tmp *t)
{
	if (t->dfd >= 0)
		sys_close(t->dfd);
	t->dfd = -1;
}

/* Remove name in dfd and everything below it: 0 once it is gone.  Only
 * ever our own hidden entries: a directory's mode copied from a lower may
 * refuse us its contents, so it is opened up first.  Out of sight is not
 * out of reach: a racer that found the directory before it was moved
 * aside (a path walk under way, an fd it holds to copy a file up into it)
 * may still put an entry in it after we read it.  So it is emptied again
 * while that happens: once removed, the kernel lets nothing more be made
 * in it.  A pass that finds entries and removes none stops (what is left
 * cannot be removed: no loop, at no depth). */
static int remove_tree(int dfd, const char *name, int depth)
{
	char buf[8192];
	struct stat st;
	int r;
	if (sys_unlinkat(dfd, name, 0) == 0 || (r = sys_unlinkat(dfd, name, AT_REMOVEDIR)) == 0)
		return 0;
	if (depth > 64 || sys_fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return r;
	sys_fchmodat(dfd, name, 0700);
	for (int pass = 0; pass < 64; pass++) {
		int fd = sys_openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		if (fd < 0)
			return fd;
		int seen = 0, removed = 0;
		long n;
		while ((n = sys_getdents64(fd, buf, sizeof buf)) > 0) {
			for (long off = 0; off < n;) {
				struct linux_dirent64 *d = (void *)(buf + off);
				off += d->d_reclen;
				if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
					seen++;
					removed += remove_tree(fd, d->d_name, depth + 1) == 0;
				}
			}
		}
		sys_close(fd);
		r = sys_unlinkat(dfd, name, AT_REMOVEDIR);
		if ((r != -ENOTEMPTY && r != -EEXIST) || (seen && !removed))
			return r;
	}
	return r;
}

void ue_tmp_discard(struct ue_tmp *t)
{
	(void)remove_tree(t->dfd, t->name, 0);
}

int ue_tmp_place(struct ue_tmp *t, const char *base)
{
	int r = sys_renameat2(t->dfd, t->name, t->dfd, base, RENAME_NOREPLACE);
	if (r == -EINVAL) {
		/* No rename flags on this filesystem (FUSE's exfat): a look first,
		 * which leaves two racing copy-ups to replace each other. */
		struct stat st;
		r = sys_fstatat(t->dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 ? -EEXIST
		                                                              : sys_renameat2(t->dfd, t->name, t->dfd, base, 0);
	}
	if (r < 0)
		ue_tmp_discard(t);
	return r == -EEXIST ? 0 : r;
}

int ue_tmp_is_whiteout(int dfd, const char *name)
{
	struct stat st;
	return sys_fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && ue_whiteout_inode(dfd, name, &st, 1) != 0;
}

/* Markers and leftovers only: whiteouts in every form the upper is
 * written in, and temporary names.  What they hold is no content. */
static int is_marker(int dfd, const char *name)
{
	return ue_aufs_is_marker(name) || ue_is_tmp_name(name) || ue_tmp_is_whiteout(dfd, name);
}

/* 1 when the directory fd holds markers only, 0 when it holds content.
 * Links of the shared whiteout, rm -rf's every name, are known unlooked-at. */
static int only_markers(int fd)
{
	struct ue_shared_listed shared = { 0 };
	char buf[8192];
	long n;
	while ((n = sys_getdents64(fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			off += d->d_reclen;
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") &&
			    !ue_whiteout_listed(&shared, fd, d->d_ino, d->d_type) && !is_marker(fd, d->d_name))
				return 0;
		}
	}
	return n == 0;
}

/* Every entry of the directory open as fd removed, from its start. */
static void drop_entries(int fd)
{
	char buf[8192];
	long n;
	if (sys_lseek(fd, 0, SEEK_SET) < 0)
		return;
	while ((n = sys_getdents64(fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			off += d->d_reclen;
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				(void)remove_tree(fd, d->d_name, 1);
		}
	}
}

/* Our entry at the temporary name goes back to base, and whatever is at
 * base comes out: when that is the whiteout the caller left, it goes;
 * anything else a racer put there goes back, and ours is discarded.  When
 * nothing is at base, the whiteout went meanwhile (a racer made the
 * directory opaque, copying it whole: the whiteout hid nothing then), and
 * the entry simply goes back: the removal failed, the entry stays. */
static void put_back(struct ue_tmp *t, const char *base)
{
	int r = sys_renameat2(t->dfd, t->name, t->dfd, base, RENAME_EXCHANGE);
	if (r == 0) {
		if (ue_tmp_is_whiteout(t->dfd, t->name)) {
			sys_unlinkat(t->dfd, t->name, 0);
			return;
		}
		sys_renameat2(t->dfd, t->name, t->dfd, base, RENAME_EXCHANGE);
	} else if (r == -ENOENT && sys_renameat2(t->dfd, t->name, t->dfd, base, RENAME_NOREPLACE) == 0) {
		return;
	}
	ue_tmp_discard(t);
}

int ue_tmp_finish_aside(struct ue_tmp *t, const char *base, int is_dir, int *back)
{
	struct stat st;
	if (back)
		*back = 0;
	int r = sys_fstatat(t->dfd, t->name, &st, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	if (ue_whiteout_inode(t->dfd, t->name, &st, 1)) {
		/* The name was gone already: a racer removed it first. */
		sys_unlinkat(t->dfd, t->name, 0);
		return -ENOENT;
	}
	if (!is_dir && !S_ISDIR(st.st_mode))
		return sys_unlinkat(t->dfd, t->name, 0);
	if (!is_dir) {
		r = -EISDIR;
	} else if (!S_ISDIR(st.st_mode)) {
		r = -ENOTDIR;
	} else {
		int fd = sys_openat(t->dfd, t->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		int empty = fd >= 0 && only_markers(fd);
		/* The markers go through the fd that found them (a discard from
		 * the name tried two removals, a stat, a chmod and an open first:
		 * eight calls a directory of rm -rf). */
		if (empty)
			drop_entries(fd);
		if (fd >= 0)
			sys_close(fd);
		if (empty) {
			/* Out of sight now: what came in after this look goes with it. */
			if (sys_unlinkat(t->dfd, t->name, AT_REMOVEDIR) < 0)
				ue_tmp_discard(t);
			return 0;
		}
		r = -ENOTEMPTY;
	}
	put_back(t, base);
	if (back)
		*back = 1;
	return r;
}
