/* Changes to a file's metadata or size: chmod, chown, utimes, truncate,
 * the xattr writes, and their fd forms.  Always done by the supervisor:
 * copy-up first (attr.c's implementations), then the change on the upper
 * copy.  An fd form acts on the caller's own open file (pidfd_getfd), so
 * an fd open read-only on a lower file cannot change it; the "" +
 * AT_EMPTY_PATH forms are fd forms (an O_PATH fd included: the table's
 * row, given the copy and "", names a lower's file by its union name),
 * or with AT_FDCWD a change of the caller's current directory. */
#include "calls.h"
#include "impl.h"
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

#define XATTR_VALUE_MAX 65536

/* Each worker its own (loop.c). */
static __thread char value_buf[XATTR_VALUE_MAX];

static int change_path(struct ue_req *q, int dirfd, int argi, struct sv_path *sp)
{
	int r = sv_path(q, dirfd, argi, sp);
	if (r < 0)
		return r;
	if (sp->empty)
		return -ENOENT;
	return ue_caller_become(q, 0);
}

/* An fd of the caller's, as ours, for the length of a call. */
#define WITH_FD(q, fd, expr) ({ \
	int _c = ue_caller_fd(q, fd); \
	long _r = _c; \
	if (_c >= 0) { \
		_r = ue_caller_become(q, 0); \
		if (_r == 0) { int fd_ = _c; (void)fd_; _r = (expr); } \
		close(_c); \
	} \
	_r; })

long sv_fchmod(struct ue_req *q) { return WITH_FD(q, ue_arg_fd(q, 0), fchmod_impl(fd_, (mode_t)ue_arg(q, 1))); }
long sv_fchown(struct ue_req *q)
{
	return WITH_FD(q, ue_arg_fd(q, 0), fchown_impl(fd_, (uid_t)ue_arg(q, 1), (gid_t)ue_arg(q, 2)));
}

static long serve_chmod(struct ue_req *q, int dirfd, int argi, mode_t mode, int fl)
{
	struct sv_path sp;
	int r = sv_path_at(q, dirfd, argi, fl, &sp);
	if (r < 0)
		return r;
	if (sp.empty)
		return (fl & AT_EMPTY_PATH) ? WITH_FD(q, dirfd, ue_call_fchmodat(fd_, "", mode, fl)) : -ENOENT;
	if ((r = ue_caller_become(q, 0)) < 0)
		return r;
	return ue_call_fchmodat(AT_FDCWD, sp.abs, mode, fl & AT_SYMLINK_NOFOLLOW);
}

long sv_chmod(struct ue_req *q) { return serve_chmod(q, AT_FDCWD, 0, (mode_t)ue_arg(q, 1), 0); }
long sv_fchmodat(struct ue_req *q) { return serve_chmod(q, ue_arg_fd(q, 0), 1, (mode_t)ue_arg(q, 2), 0); }
long sv_fchmodat2(struct ue_req *q)
{
	return serve_chmod(q, ue_arg_fd(q, 0), 1, (mode_t)ue_arg(q, 2), (int)ue_arg(q, 3));
}

static long serve_chown(struct ue_req *q, int dirfd, int argi, uid_t u, gid_t g, int fl)
{
	struct sv_path sp;
	int r = sv_path_at(q, dirfd, argi, fl, &sp);
	if (r < 0)
		return r;
	if (sp.empty)
		return (fl & AT_EMPTY_PATH) ? WITH_FD(q, dirfd, ue_call_fchownat(fd_, "", u, g, fl)) : -ENOENT;
	if ((r = ue_caller_become(q, 0)) < 0)
		return r;
	return ue_call_fchownat(AT_FDCWD, sp.abs, u, g, fl & AT_SYMLINK_NOFOLLOW);
}

long sv_chown(struct ue_req *q) { return serve_chown(q, AT_FDCWD, 0, (uid_t)ue_arg(q, 1), (gid_t)ue_arg(q, 2), 0); }
long sv_lchown(struct ue_req *q)
{
	return serve_chown(q, AT_FDCWD, 0, (uid_t)ue_arg(q, 1), (gid_t)ue_arg(q, 2), AT_SYMLINK_NOFOLLOW);
}
long sv_fchownat(struct ue_req *q)
{
	return serve_chown(q, ue_arg_fd(q, 0), 1, (uid_t)ue_arg(q, 2), (gid_t)ue_arg(q, 3), (int)ue_arg(q, 4));
}

/* times: NULL for "now", else two timespecs already read. */
static long serve_utimens(struct ue_req *q, int dirfd, int argi, const struct timespec *t, int fl)
{
	struct sv_path sp;
	int r;
	if (argi < 0 || ue_arg(q, argi) == 0)   /* utimensat(fd, NULL, ...): the fd itself */
		return WITH_FD(q, dirfd, futimens_impl(fd_, t));
	if ((r = sv_path_at(q, dirfd, argi, fl, &sp)) < 0)
		return r;
	if (sp.empty)
		return (fl & AT_EMPTY_PATH) ? WITH_FD(q, dirfd, ue_call_utimensat(fd_, "", t, fl)) : -ENOENT;
	if ((r = ue_caller_become(q, 0)) < 0)
		return r;
	return ue_call_utimensat(AT_FDCWD, sp.abs, t, fl & AT_SYMLINK_NOFOLLOW);
}

long sv_utimensat(struct ue_req *q)
{
	struct timespec t[2];
	if (ue_arg(q, 2) && ue_caller_read(q, ue_arg(q, 2), t, sizeof t) < 0)
		return -EFAULT;
	return serve_utimens(q, ue_arg_fd(q, 0), 1, ue_arg(q, 2) ? t : NULL, (int)ue_arg(q, 3));
}

static long serve_utimes(struct ue_req *q, int dirfd, int argi, uint64_t tv_addr)
{
	struct timeval tv[2];
	struct timespec t[2];
	if (tv_addr) {
		if (ue_caller_read(q, tv_addr, tv, sizeof tv) < 0)
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -EINVAL;
			t[i].tv_sec = tv[i].tv_sec;
			t[i].tv_nsec = tv[i].tv_usec * 1000;
		}
	}
	return serve_utimens(q, dirfd, argi, tv_addr ? t : NULL, 0);
}

long sv_utimes(struct ue_req *q) { return serve_utimes(q, AT_FDCWD, 0, ue_arg(q, 1)); }
long sv_futimesat(struct ue_req *q) { return serve_utimes(q, ue_arg_fd(q, 0), 1, ue_arg(q, 2)); }
long sv_utime(struct ue_req *q)
{
	struct utimbuf b;
	struct timespec t[2];
	if (ue_arg(q, 1)) {
		if (ue_caller_read(q, ue_arg(q, 1), &b, sizeof b) < 0)
			return -EFAULT;
		t[0] = (struct timespec){ b.actime, 0 };
		t[1] = (struct timespec){ b.modtime, 0 };
	}
	return serve_utimens(q, AT_FDCWD, 0, ue_arg(q, 1) ? t : NULL, 0);
}

long sv_truncate(struct ue_req *q)
{
	struct sv_path sp;
	int r = change_path(q, AT_FDCWD, 0, &sp);
	return r < 0 ? r : ue_call_truncate(sp.abs, (off_t)ue_arg(q, 1));
}

/* The name and value of an xattr write; the value's length or -errno. */
static long xattr_args(struct ue_req *q, int name_i, char *name, int value_i, int size_i)
{
	long n = ue_caller_string(q, ue_arg(q, name_i), name, XATTR_NAME_MAX + 1);
	if (n < 0)
		return n == -ENAMETOOLONG ? -ERANGE : n;
	if (value_i < 0)
		return 0;
	size_t size = (size_t)ue_arg(q, size_i);
	if (size > sizeof value_buf)
		return -E2BIG;
	return ue_caller_read(q, ue_arg(q, value_i), value_buf, size) < 0 ? -EFAULT : (long)size;
}

static long serve_setxattr(struct ue_req *q, int follow, int remove)
{
	struct sv_path sp;
	char name[XATTR_NAME_MAX + 1];
	long n = xattr_args(q, 1, name, remove ? -1 : 2, 3);
	if (n < 0)
		return n;
	int r = change_path(q, AT_FDCWD, 0, &sp);
	if (r < 0)
		return r;
	if (remove)
		return follow ? ue_call_removexattr(sp.abs, name) : ue_call_lremovexattr(sp.abs, name);
	return follow ? ue_call_setxattr(sp.abs, name, value_buf, (size_t)n, (int)ue_arg(q, 4))
	              : ue_call_lsetxattr(sp.abs, name, value_buf, (size_t)n, (int)ue_arg(q, 4));
}

long sv_setxattr(struct ue_req *q) { return serve_setxattr(q, 1, 0); }
long sv_lsetxattr(struct ue_req *q) { return serve_setxattr(q, 0, 0); }
long sv_removexattr(struct ue_req *q) { return serve_setxattr(q, 1, 1); }
long sv_lremovexattr(struct ue_req *q) { return serve_setxattr(q, 0, 1); }

long sv_fsetxattr(struct ue_req *q)
{
	char name[XATTR_NAME_MAX + 1];
	long n = xattr_args(q, 1, name, 2, 3);
	if (n < 0)
		return n;
	return WITH_FD(q, ue_arg_fd(q, 0), fsetxattr_impl(fd_, name, value_buf, (size_t)n, (int)ue_arg(q, 4)));
}

long sv_fremovexattr(struct ue_req *q)
{
	char name[XATTR_NAME_MAX + 1];
	long n = xattr_args(q, 1, name, -1, -1);
	if (n < 0)
		return n;
	return WITH_FD(q, ue_arg_fd(q, 0), fsetxattr_impl(fd_, name, NULL, 0, 0));
}
