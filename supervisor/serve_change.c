/* Changes to names: mkdir, mknod, symlink, link, unlink, rmdir, rename.
 * Always done by the supervisor (core/'s ue_op_* inside the union, the
 * guard outside it), never left to the kernel: the kernel would read the
 * path again, after it was checked. */
#include "calls.h"
#include "impl.h"
#include "serve.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Paths of a change: "" names nothing (the kernel's ENOENT). */
static int change_path(struct ue_req *q, int dirfd, int argi, struct sv_path *sp)
{
	int r = sv_path(q, dirfd, argi, sp);
	return r < 0 ? r : sp->empty ? -ENOENT : 0;
}

static long serve_mkdir(struct ue_req *q, int dirfd, int argi, mode_t mode)
{
	struct sv_path sp;
	int r = change_path(q, dirfd, argi, &sp);
	if (r < 0 || (r = ue_caller_become(q, 1)) < 0)
		return r;
	return ue_call_mkdir(sp.abs, mode);
}

long sv_mkdir(struct ue_req *q) { return serve_mkdir(q, AT_FDCWD, 0, (mode_t)ue_arg(q, 1)); }
long sv_mkdirat(struct ue_req *q) { return serve_mkdir(q, ue_arg_fd(q, 0), 1, (mode_t)ue_arg(q, 2)); }

static long serve_mknod(struct ue_req *q, int dirfd, int argi, mode_t mode, dev_t dev)
{
	struct sv_path sp;
	int r = change_path(q, dirfd, argi, &sp);
	if (r < 0 || (r = ue_caller_become(q, 1)) < 0)
		return r;
	return ue_call_mknod(sp.abs, mode, dev);
}

long sv_mknod(struct ue_req *q) { return serve_mknod(q, AT_FDCWD, 0, (mode_t)ue_arg(q, 1), (dev_t)ue_arg(q, 2)); }
long sv_mknodat(struct ue_req *q)
{
	return serve_mknod(q, ue_arg_fd(q, 0), 1, (mode_t)ue_arg(q, 2), (dev_t)ue_arg(q, 3));
}

static long serve_symlink(struct ue_req *q, int dirfd, int argi)
{
	struct sv_path sp;
	char target[PATH_MAX];
	long n = ue_caller_string(q, ue_arg(q, 0), target, sizeof target);
	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	int r = change_path(q, dirfd, argi, &sp);
	if (r < 0 || (r = ue_caller_become(q, 1)) < 0)
		return r;
	return symlink_impl(target, AT_FDCWD, sp.abs);
}

long sv_symlink(struct ue_req *q) { return serve_symlink(q, AT_FDCWD, 1); }
long sv_symlinkat(struct ue_req *q) { return serve_symlink(q, ue_arg_fd(q, 1), 2); }

/* linkat(fd, "", AT_EMPTY_PATH): the file the caller's fd is on.  On a
 * layer's file, the table's row on the supervisor's copy of the fd, as
 * the preload's on its own: a lower's file is linked by its union name,
 * copied up first (never the lower's inode, which a write through the new
 * name would then change).  Elsewhere the kernel links it through the
 * caller's /proc/PID/fd/N, as it would the fd: the copy was opened with
 * the caller's credentials, not the worker's, and AT_EMPTY_PATH on it
 * would need CAP_DAC_READ_SEARCH. */
static long link_fd(struct ue_req *q, int ofd, const struct sv_path *b)
{
	char proc[64];
	if (ue_caller_fd_in_layer(q, ofd)) {
		int c = ue_caller_fd(q, ofd);
		if (c < 0)
			return c;
		long r = ue_call_linkat(c, "", AT_FDCWD, b->abs, AT_EMPTY_PATH);
		close(c);
		return r;
	}
	snprintf(proc, sizeof proc, "/proc/%d/fd/%d", ue_caller_tgid(q) ? ue_caller_tgid(q) : q->tid, ofd);
	return ue_call_linkat(AT_FDCWD, proc, AT_FDCWD, b->abs, AT_SYMLINK_FOLLOW);
}

/* N when path is the caller's own /proc/PID/fd/N (how an O_TMPFILE gets
 * its name: linkat of /proc/self/fd/N, followed), else -1.  Linked as
 * the fd is: followed with the caller's credentials, that link is
 * refused to a caller that dropped from root (not dumpable). */
static int own_fd_link(struct ue_req *q, const char *abs)
{
	const char *fd = strstr(abs, "/fd/");
	char *end;
	if (!fd || !ue_caller_own_proc(q, abs) || strchr(abs + 6, '/') != fd)
		return -1;
	long n = strtol(fd + 4, &end, 10);
	return *end || end == fd + 4 || n < 0 || n > INT_MAX ? -1 : (int)n;
}

static long serve_link(struct ue_req *q, int ofd, int oi, int nfd, int ni, int fl)
{
	struct sv_path a, b;
	/* "" with AT_FDCWD: the current directory (a directory: EPERM, as
	 * the kernel says). */
	int r = sv_path_at(q, ofd, oi, fl, &a);
	if (r < 0)
		return r;
	if (a.empty && !(fl & AT_EMPTY_PATH))
		return -ENOENT;
	if ((r = change_path(q, nfd, ni, &b)) < 0 || (r = ue_caller_become(q, 1)) < 0)
		return r;
	if (a.empty)
		return link_fd(q, ofd, &b);
	int own = (fl & AT_SYMLINK_FOLLOW) ? own_fd_link(q, a.abs) : -1;
	if (own >= 0)
		return link_fd(q, own, &b);
	return ue_call_linkat(AT_FDCWD, a.abs, AT_FDCWD, b.abs, fl & AT_SYMLINK_FOLLOW);
}

long sv_link(struct ue_req *q) { return serve_link(q, AT_FDCWD, 0, AT_FDCWD, 1, 0); }
long sv_linkat(struct ue_req *q)
{
	return serve_link(q, ue_arg_fd(q, 0), 1, ue_arg_fd(q, 2), 3, (int)ue_arg(q, 4));
}

static long serve_unlink(struct ue_req *q, int dirfd, int argi, int fl)
{
	struct sv_path sp;
	int r = change_path(q, dirfd, argi, &sp);
	if (r < 0 || (r = ue_caller_become(q, 0)) < 0)
		return r;
	return ue_call_unlinkat(AT_FDCWD, sp.abs, fl);
}

long sv_unlink(struct ue_req *q) { return serve_unlink(q, AT_FDCWD, 0, 0); }
long sv_rmdir(struct ue_req *q) { return serve_unlink(q, AT_FDCWD, 0, AT_REMOVEDIR); }
long sv_unlinkat(struct ue_req *q) { return serve_unlink(q, ue_arg_fd(q, 0), 1, (int)ue_arg(q, 2)); }

static long serve_rename(struct ue_req *q, int ofd, int oi, int nfd, int ni, unsigned fl)
{
	struct sv_path a, b;
	int r = change_path(q, ofd, oi, &a);
	if (r < 0 || (r = change_path(q, nfd, ni, &b)) < 0 || (r = ue_caller_become(q, 1)) < 0)
		return r;
	return ue_call_renameat2(AT_FDCWD, a.abs, AT_FDCWD, b.abs, fl);
}

long sv_rename(struct ue_req *q) { return serve_rename(q, AT_FDCWD, 0, AT_FDCWD, 1, 0); }
long sv_renameat(struct ue_req *q) { return serve_rename(q, ue_arg_fd(q, 0), 1, ue_arg_fd(q, 2), 3, 0); }
long sv_renameat2(struct ue_req *q)
{
	return serve_rename(q, ue_arg_fd(q, 0), 1, ue_arg_fd(q, 2), 3, (unsigned)ue_arg(q, 4));
}
