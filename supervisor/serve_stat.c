/* Reading metadata: the stat family, access, readlink, statfs, the xattr
 * reads.  Done by the supervisor on the union's file (stat_impl and its
 * siblings: inode numbers kept across copy-up, a merged directory's one
 * link, a recorded owner), the result written into the caller. */
#include "calls.h"
#include "impl.h"
#include "layerpath.h"
#include "serve.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>

#define XATTR_VALUE_MAX 65536

/* Each worker its own (loop.c). */
static __thread char value_buf[XATTR_VALUE_MAX];

/* Copy a result of len bytes into the caller at addr; len or -EFAULT. */
static long give(struct ue_req *q, uint64_t addr, const void *buf, long len)
{
	if (len <= 0)
		return len;
	return ue_caller_write(q, addr, buf, (size_t)len) < 0 ? -EFAULT : len;
}

/* The caller's fd, when it is open on a file of a layer: a copy of it
 * (the caller closes it), or -1 when the kernel's own answer is the
 * union's (an fd outside the layers). */
static int layer_fd(struct ue_req *q, int fd)
{
	return ue_caller_fd_in_layer(q, fd) ? ue_caller_fd(q, fd) : -1;
}

/* The caller's own /proc links are read as the supervisor (request.h,
 * ue_caller_own_proc): 1 when it switched, for as_caller_again. */
static int as_self_if_own(struct ue_req *q, const char *abs)
{
	int own = ue_caller_own_proc(q, abs);
	if (own)
		ue_sv_as_self(1);
	return own;
}

static void as_caller_again(int own)
{
	if (own)
		ue_sv_as_self(0);
}

/* fstat of an fd on a layer's file shows what stat of its name shows (the
 * inode number kept across copy-up, a recorded owner): fts and tar
 * compare the two. */
static long serve_fstat(struct ue_req *q, int fd, uint64_t out)
{
	struct stat st;
	int c = layer_fd(q, fd);
	if (c < 0)
		return UE_SV_CONTINUE;
	long s = fstat_impl(c, &st);
	close(c);
	return s < 0 ? s : give(q, out, &st, sizeof st) < 0 ? -EFAULT : 0;
}

long sv_fstat(struct ue_req *q) { return serve_fstat(q, ue_arg_fd(q, 0), ue_arg(q, 1)); }

static long serve_stat(struct ue_req *q, int dirfd, int argi, uint64_t out, int fl)
{
	struct sv_path sp;
	struct stat st;
	int r = sv_path_at_unchecked(q, dirfd, argi, fl, &sp);
	if (r < 0)
		return r;
	if (!(sp.empty && (fl & AT_EMPTY_PATH) && dirfd >= 0) && sv_read_outside(&sp, !(fl & AT_SYMLINK_NOFOLLOW)))
		return UE_SV_CONTINUE;
	if ((r = sv_checked(q)) < 0)
		return r;
	if (sp.empty)
		return serve_fstat(q, dirfd, out);
	if ((r = ue_caller_become(q, 0)) < 0)
		return r;
	int own = as_self_if_own(q, sp.abs);
	long s = ue_call_fstatat(AT_FDCWD, sp.abs, &st, fl & ~AT_EMPTY_PATH);
	as_caller_again(own);
	return s < 0 ? s : give(q, out, &st, sizeof st) < 0 ? -EFAULT : 0;
}

long sv_stat(struct ue_req *q) { return serve_stat(q, AT_FDCWD, 0, ue_arg(q, 1), 0); }
long sv_lstat(struct ue_req *q) { return serve_stat(q, AT_FDCWD, 0, ue_arg(q, 1), AT_SYMLINK_NOFOLLOW); }
long sv_newfstatat(struct ue_req *q)
{
	return serve_stat(q, ue_arg_fd(q, 0), 1, ue_arg(q, 2), (int)ue_arg(q, 3));
}

long sv_statx(struct ue_req *q)
{
	struct sv_path sp;
	struct statx stx;
	int fl = (int)ue_arg(q, 2), r = sv_path_at_unchecked(q, ue_arg_fd(q, 0), 1, fl, &sp);
	if (r < 0)
		return r;
	if (!(sp.empty && (fl & AT_EMPTY_PATH) && ue_arg_fd(q, 0) >= 0) && sv_read_outside(&sp, !(fl & AT_SYMLINK_NOFOLLOW)))
		return UE_SV_CONTINUE;
	if ((r = sv_checked(q)) < 0)
		return r;
	if (sp.empty) {
		int c = layer_fd(q, ue_arg_fd(q, 0));
		if (c < 0)
			return UE_SV_CONTINUE;
		long s = ue_call_statx(c, "", fl, (unsigned)ue_arg(q, 3), &stx);
		close(c);
		return s < 0 ? s : give(q, ue_arg(q, 4), &stx, sizeof stx) < 0 ? -EFAULT : 0;
	}
	if ((r = ue_caller_become(q, 0)) < 0)
		return r;
	int own = as_self_if_own(q, sp.abs);
	long s = ue_call_statx(AT_FDCWD, sp.abs, fl & ~AT_EMPTY_PATH, (unsigned)ue_arg(q, 3), &stx);
	as_caller_again(own);
	return s < 0 ? s : give(q, ue_arg(q, 4), &stx, sizeof stx) < 0 ? -EFAULT : 0;
}

static long serve_access(struct ue_req *q, int dirfd, int argi, int mode, int fl)
{
	struct sv_path sp;
	int r = sv_path_at_unchecked(q, dirfd, argi, fl, &sp);
	if (r < 0)
		return r;
	if (sv_read_outside(&sp, !(fl & AT_SYMLINK_NOFOLLOW)))
		return UE_SV_CONTINUE;
	if ((r = sv_checked(q)) < 0 || (r = ue_caller_become(q, 0)) < 0)
		return r;
	return ue_call_faccessat(AT_FDCWD, sp.abs, mode, fl & ~AT_EMPTY_PATH);
}

long sv_access(struct ue_req *q) { return serve_access(q, AT_FDCWD, 0, (int)ue_arg(q, 1), 0); }
long sv_faccessat(struct ue_req *q) { return serve_access(q, ue_arg_fd(q, 0), 1, (int)ue_arg(q, 2), 0); }
long sv_faccessat2(struct ue_req *q)
{
	return serve_access(q, ue_arg_fd(q, 0), 1, (int)ue_arg(q, 2), (int)ue_arg(q, 3));
}

static long serve_readlink(struct ue_req *q, int dirfd, int argi, uint64_t out, size_t n)
{
	struct sv_path sp;
	int r = sv_path(q, dirfd, argi, &sp);
	if (r < 0)
		return r;
	if (sv_read_outside(&sp, 0))
		return UE_SV_CONTINUE;
	if ((int)n <= 0)
		return -EINVAL;
	if (n > sizeof value_buf)
		n = sizeof value_buf;
	/* As the caller: core/'s search checks on the union's directories
	 * too (served with whatever credentials the worker kept, a caller
	 * that dropped to another user read links it could not reach). */
	if ((r = ue_caller_become(q, 0)) < 0)
		return r;
	int own = as_self_if_own(q, sp.abs);
	long len = ue_call_readlinkat(AT_FDCWD, sp.abs, value_buf, n);
	as_caller_again(own);
	return give(q, out, value_buf, len);
}

long sv_readlink(struct ue_req *q) { return serve_readlink(q, AT_FDCWD, 0, ue_arg(q, 1), (size_t)ue_arg(q, 2)); }
long sv_readlinkat(struct ue_req *q)
{
	return serve_readlink(q, ue_arg_fd(q, 0), 1, ue_arg(q, 2), (size_t)ue_arg(q, 3));
}

long sv_statfs(struct ue_req *q)
{
	struct sv_path sp;
	struct statfs b;
	int r = sv_path(q, AT_FDCWD, 0, &sp);
	if (r < 0)
		return r;
	if (sv_read_outside(&sp, 1))
		return UE_SV_CONTINUE;
	long s = ue_call_statfs(sp.abs, &b);
	return s < 0 ? s : give(q, ue_arg(q, 1), &b, sizeof b) < 0 ? -EFAULT : 0;
}

static long serve_getxattr(struct ue_req *q, int follow)
{
	struct sv_path sp;
	char name[XATTR_NAME_MAX + 1];
	size_t n = (size_t)ue_arg(q, 3);
	int r = sv_path(q, AT_FDCWD, 0, &sp);
	if (r < 0)
		return r;
	if (sv_read_outside(&sp, follow))
		return UE_SV_CONTINUE;
	long len = ue_caller_string(q, ue_arg(q, 1), name, sizeof name);
	if (len < 0)
		return len == -ENAMETOOLONG ? -ERANGE : len;
	if (n > sizeof value_buf)
		n = sizeof value_buf;
	if ((r = ue_caller_become(q, 0)) < 0)
		return r;
	len = follow ? ue_call_getxattr(sp.abs, name, n ? value_buf : NULL, n)
	             : ue_call_lgetxattr(sp.abs, name, n ? value_buf : NULL, n);
	return n ? give(q, ue_arg(q, 2), value_buf, len) : len;
}

long sv_getxattr(struct ue_req *q) { return serve_getxattr(q, 1); }
long sv_lgetxattr(struct ue_req *q) { return serve_getxattr(q, 0); }

static long serve_listxattr(struct ue_req *q, int follow)
{
	struct sv_path sp;
	size_t n = (size_t)ue_arg(q, 2);
	int r = sv_path(q, AT_FDCWD, 0, &sp);
	if (r < 0)
		return r;
	if (sv_read_outside(&sp, follow))
		return UE_SV_CONTINUE;
	if (n > sizeof value_buf)
		n = sizeof value_buf;
	if ((r = ue_caller_become(q, 0)) < 0)
		return r;
	long len = follow ? ue_call_listxattr(sp.abs, n ? value_buf : NULL, n)
	                  : ue_call_llistxattr(sp.abs, n ? value_buf : NULL, n);
	return n ? give(q, ue_arg(q, 1), value_buf, len) : len;
}

long sv_listxattr(struct ue_req *q) { return serve_listxattr(q, 1); }
long sv_llistxattr(struct ue_req *q) { return serve_listxattr(q, 0); }
