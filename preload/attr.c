/* Changes to a file's metadata or size: chmod, chown, utimes, truncate,
 * xattrs.  A file of a lower is copied up first; the f* forms given an fd
 * open on a lower file copy up by name and change the upper copy (the fd
 * itself follows at its next read: preload/fdtab.h). */
#include "calls.h"
#include "impl.h"
#include "fdnames.h"
#include "layerpath.h"
#include "ops.h"
#include "override.h"
#include "perm.h"
#include "path.h"
#include "procfd.h"
#include "sys.h"
#include "markers.h"
#include "inodeioctl.h"

#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>

#define UE_NR_fchmodat2 452  /* Linux 6.6; the headers may not name it */

/* What a change must be allowed before anything is copied up: the kernel
 * checks on the overlay's inode first, so a refused change leaves the
 * upper untouched. */
enum check { MAY_NONE, MAY_OWN, MAY_WRITE, MAY_OWN_OR_WRITE, MAY_XATTR, MAY_CHOWN };

/* arg: the attribute's name for MAY_XATTR, the new owner and group
 * (uid_t[2], -1 unchanged) for MAY_CHOWN. */
static int check(const struct ue_path *p, enum check c, const void *arg)
{
	const char *xattr = arg;
	const uid_t *ids = arg;
	switch (c) {
	case MAY_NONE:
		return 0;
	case MAY_OWN:
		return ue_may_own(p->caller, p->real);
	case MAY_WRITE:
		return ue_may(p->caller, p->real, W_OK);
	case MAY_OWN_OR_WRITE:
		return ue_may_own(p->caller, p->real) == 0 ? 0 : ue_may(p->caller, p->real, W_OK);
	case MAY_XATTR:
		/* user.* attributes live on files and directories only. */
		if (!strncmp(xattr, "user.", 5) && !S_ISREG(p->node.type) && !S_ISDIR(p->node.type))
			return -EPERM;
		return strncmp(xattr, "user.", 5) ? 0 : ue_may(p->caller, p->real, W_OK);
	case MAY_CHOWN:
		return ue_may_chown(p->caller, p->real, ids[0], (gid_t)ids[1]);
	}
	return 0;
}

/* Check and copy up for a metadata change of P (CHANGES: resolved for
 * change, existing; a named fd form too). */
static int prepare_checked(struct ue_arg *P, int nodata, enum check c, const void *arg)
{
	int r;
	if (P->p.where != UE_UNION)
		return 0;
	if ((r = check(&P->p, c, arg)) < 0)
		return r;
	return ue_op_change_prepare(&P->p, nodata);
}


int ue_fd_in_lower(int fd, struct ue_path *p)
{
	char link[64], real[UE_PATH_MAX], v[UE_PATH_MAX];
	/* Open on the upper's file: no lower is below it, nor ever will be. */
	if (!ue_config_active() || ue_fd_on_upper(fd))
		return 0;
	ue_proc_fd(link, sizeof link, fd, NULL);
	long n = sys_readlinkat(AT_FDCWD, link, real, sizeof real - 1);
	if (n <= 0 || real[0] != '/')
		return 0;
	real[n] = '\0';
	if (ue_layer_of(real) <= UE_UPPER)
		return 0;
	/* A lower's file whose union name is gone (removed, or a directory
	 * above it renamed and the file not found under the new name): there
	 * is no union file to copy up, and the fd, passed to the kernel,
	 * changed the lower itself (chmod, utimens, chown, xattrs).  Refused
	 * with the kernel's overlayfs's answer: its copy-up finds the
	 * whiteout at the name, EEXIST. */
	if (ue_unreal(v, sizeof v, real) < 0 || ue_resolve_as(ue_for(), AT_FDCWD, v, 0, p) < 0 || p->where != UE_UNION ||
	    !ue_node_exists(&p->node))
		return -EEXIST;
	return 1;
}

/* fd is open on a lower file: check, then copy it up by name.  1 when the
 * change is to be made on p->real, 0 when fd is not in a lower, -errno. */
static int fd_prepare(int fd, enum check c, const void *arg, struct ue_path *p)
{
	int r = ue_fd_in_lower(fd, p);
	if (r <= 0)
		return r;
	r = check(p, c, arg);
	if (r == 0)
		r = ue_op_change_prepare(p, 0);
	return r < 0 ? r : 1;
}

/* After a chmod (m) or chown (u, g; -1: unchanged) of a union file: the
 * owner a copy-up recorded takes the change (override.h), and, for a
 * directory, every process's cache learns of it: its mode and owner
 * decide who may search it, and the caches took them as they were for
 * what they know below it. */
static long announced(const struct ue_path *p, long r, uid_t u, gid_t g, mode_t m)
{
	if (r != 0 || p->where != UE_UNION)
		return r;
	int recorded = ue_override_update(p->real, u, g, m) > 0;
	if (S_ISDIR(p->node.type) || recorded)
		ue_changed(p->rel, S_ISDIR(p->node.type));
	return r;
}

static long fd_announced(int fd, long r, uid_t u, gid_t g, mode_t m)
{
	struct stat st;
	struct ue_path p;
	struct ue_override o;
	char v[UE_PATH_MAX];
	if (r == 0 && ue_config_active() && !ue_fd_made(fd) && sys_fstat(fd, &st) == 0 &&
	    (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && ue_override_get(NULL, fd, &o) == 1)) &&
	    ue_fd_vpath(fd, v, sizeof v) == 0 && ue_resolve_as(ue_for(), AT_FDCWD, v, 0, &p) == 0)
		announced(&p, 0, u, g, m);
	return r;
}

/* The fd form of fchmodat (AT_EMPTY_PATH) not on a lower's file: the fd's
 * own, as fchmod, by fchmodat2 itself: glibc's fchmodat before 2.39 says
 * EINVAL to any flag but AT_SYMLINK_NOFOLLOW, where the kernel (6.6 on)
 * changes the fd's file (a raw fchmodat2 of a followed program, and the
 * supervisor's fd forms, come here). */
long chmod_impl(struct ue_arg *P, mode_t mode, int fl)
{
	if (P->fd >= 0 && !P->named)
		return fd_announced(P->fd, UE_SYS(UE_NR_fchmodat2, P->fd, "", mode, fl), -1, -1, mode);
	int r = prepare_checked(P, 0, MAY_OWN, NULL);
	return r < 0 ? r : announced(&P->p, UE_ERR(LIBC(fchmodat)(ue_arg_kfd(P), ue_arg_kpath(P), mode, ue_arg_kflags(P, fl))), -1, -1, mode);
}

long fchmod_impl(int fd, mode_t mode)
{
	struct ue_path p;
	int r = fd_prepare(fd, MAY_OWN, NULL, &p);
	if (r != 0)
		return r < 0 ? r : announced(&p, UE_ERR(LIBC(fchmodat)(AT_FDCWD, ue_kreal(&p), mode, 0)), -1, -1, mode);
	return fd_announced(fd, UE_ERR(LIBC(fchmod)(fd, mode)), -1, -1, mode);
}

/* fchownat(fd, "", AT_EMPTY_PATH) is fchown of fd, an O_PATH one
 * included: on a lower's file the pipeline named it (args.c), and it is
 * copied up and changed as a path is; passed through as it is, the kernel
 * would change the lower's file in place. */
long chown_impl(struct ue_arg *P, uid_t u, gid_t g, int fl)
{
	uid_t ids[2] = { u, (uid_t)g };
	if (P->fd >= 0 && !P->named)
		return fd_announced(P->fd, UE_ERR(LIBC(fchownat)(P->fd, "", u, g, fl)), u, g, -1);
	int r = prepare_checked(P, 0, MAY_CHOWN, ids);
	return r < 0 ? r : announced(&P->p, UE_ERR(LIBC(fchownat)(ue_arg_kfd(P), ue_arg_kpath(P), u, g, ue_arg_kflags(P, fl))), u, g, -1);
}

long fchown_impl(int fd, uid_t u, gid_t g)
{
	struct ue_path p;
	uid_t ids[2] = { u, (uid_t)g };
	int r = fd_prepare(fd, MAY_CHOWN, ids, &p);
	if (r != 0)
		return r < 0 ? r : announced(&p, UE_ERR(LIBC(fchownat)(AT_FDCWD, ue_kreal(&p), u, g, AT_SYMLINK_NOFOLLOW)), u, g, -1);
	return fd_announced(fd, UE_ERR(LIBC(fchown)(fd, u, g)), u, g, -1);
}

/* "Now" needs write permission or ownership; explicit times, ownership. */
static enum check times_check(const struct timespec t[2])
{
	return !t || (t[0].tv_nsec == UTIME_NOW && t[1].tv_nsec == UTIME_NOW) ? MAY_OWN_OR_WRITE : MAY_OWN;
}

/* utimensat(fd, "", AT_EMPTY_PATH) (NULLABLE: NULL is the caller's
 * business) as chown_impl. */
long utimensat_impl(struct ue_arg *P, const struct timespec t[2], int fl)
{
	if (!P->path)
		return -EINVAL;  /* as glibc: the fd form is futimens */
	if (P->fd >= 0 && !P->named)
		return UE_ERR(LIBC(utimensat)(P->fd, "", t, fl));
	int r = prepare_checked(P, 0, times_check(t), NULL);
	return r < 0 ? r : UE_ERR(LIBC(utimensat)(ue_arg_kfd(P), ue_arg_kpath(P), t, ue_arg_kflags(P, fl)));
}

long futimens_impl(int fd, const struct timespec t[2])
{
	struct ue_path p;
	int r = fd_prepare(fd, times_check(t), NULL, &p);
	if (r != 0)
		return r < 0 ? r : UE_ERR(LIBC(utimensat)(AT_FDCWD, ue_kreal(&p), t, AT_SYMLINK_NOFOLLOW));
	return UE_ERR(LIBC(futimens)(fd, t));
}

static const struct timespec *tv_to_ts(const struct timeval t[2], struct timespec ts[2])
{
	if (!t)
		return NULL;
	for (int i = 0; i < 2; i++) {
		ts[i].tv_sec = t[i].tv_sec;
		ts[i].tv_nsec = t[i].tv_usec * 1000;
	}
	return ts;
}

long utimes_impl(struct ue_arg *P, const struct timeval t[2], int fl)
{
	struct timespec ts[2];
	if (!P->path)  /* futimesat(fd, NULL, t) acts on fd */
		return futimens_impl(P->dirfd, tv_to_ts(t, ts));
	return utimensat_impl(P, tv_to_ts(t, ts), fl);
}

long futimes_impl(int fd, const struct timeval t[2])
{
	struct timespec ts[2];
	return futimens_impl(fd, tv_to_ts(t, ts));
}

long utime_impl(const char *path, const struct utimbuf *t)
{
	struct timespec ts[2];
	if (t) {
		ts[0] = (struct timespec){ t->actime, 0 };
		ts[1] = (struct timespec){ t->modtime, 0 };
	}
	return ue_call_utimensat(AT_FDCWD, path, t ? ts : NULL, 0);
}

long truncate_impl(struct ue_arg *P, off_t len)
{
	int r;
	struct ue_path *p = &P->p;
	if (p->where == UE_UNION && S_ISREG(p->node.type) &&
	    ((r = ue_may(p->caller, p->real, W_OK)) < 0 || (r = ue_op_change_prepare(p, len == 0)) < 0))
		return r;
	return UE_ERR(LIBC(truncate)(ue_arg_kpath(P), len));
}

/* v == NULL: remove the attribute. */
long setxattr_impl(struct ue_arg *P, const char *name, const void *v, size_t n, int fl, int follow)
{
	struct ue_path *const p = &P->p;
	int r;
	if (p->where == UE_UNION) {
		char probe[1];
		if (ue_xattr_is_marker(name))
			return -EPERM;  /* the overlay's own: not the program's to set */
		if ((r = check(p, MAY_XATTR, name)) < 0)
			return r;
		/* Removing what is not there, or creating what is: fails as it would. */
		long have = LIBC(lgetxattr)(ue_kreal(p), name, probe, 0);
		if (!v && have < 0)
			return -(long)errno;
		if (v && (fl & XATTR_CREATE) && have >= 0)
			return -EEXIST;
		if (v && (fl & XATTR_REPLACE) && have < 0)
			return -ENODATA;
		/* A lower name that shows its file's index entry changes the
		 * entry, and no name is linked up: the kernel's ovl_xattr_set
		 * writes on the inode's upper, which the entry is. */
		if (!p->node.indexed && (r = ue_op_change_prepare(p, 0)) < 0)
			return r;
	}
	if (p->where != UE_UNION) {
		const char *k = ue_arg_kpath(P);
		if (v)
			return UE_ERR(follow ? LIBC(setxattr)(k, name, v, n, fl) : LIBC(lsetxattr)(k, name, v, n, fl));
		return UE_ERR(follow ? LIBC(removexattr)(k, name) : LIBC(lremovexattr)(k, name));
	}
	long x = UE_ERR(v ? LIBC(lsetxattr)(ue_kreal(p), name, v, n, fl) : LIBC(lremovexattr)(ue_kreal(p), name));
	return strcmp(name, "system.posix_acl_access") ? x : announced(p, x, -1, -1, -1);  /* an ACL sets the mode */
}

long fsetxattr_impl(int fd, const char *name, const void *v, size_t n, int fl)
{
	struct ue_path p;
	if (ue_fd_in_lower(fd, &p) > 0 && ue_xattr_is_marker(name))
		return -EPERM;
	int r = fd_prepare(fd, MAY_XATTR, name, &p);
	if (r != 0)
		return r < 0 ? r : UE_ERR(v ? LIBC(lsetxattr)(ue_kreal(&p), name, v, n, fl) : LIBC(lremovexattr)(ue_kreal(&p), name));
	return UE_ERR(v ? LIBC(fsetxattr)(fd, name, v, n, fl) : LIBC(fremovexattr)(fd, name));
}

long inode_ioctl_impl(int fd, unsigned long cmd, void *arg)
{
	struct ue_path p;
	int r = fd_prepare(fd, MAY_OWN, NULL, &p);
	if (r == 0)
		return UE_ERR(LIBC(ioctl)(fd, cmd, arg));
	if (r < 0)
		return r;
	/* The upper copy, as the kernel's overlayfs reaches it: a new fd
	 * (the caller's stays on the lower's file until its next read or
	 * ioctl follows the copy-up: fdtab.h). */
	int u = LIBC(open)(ue_kreal(&p), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (u < 0)
		return -errno;
	long x = UE_ERR(LIBC(ioctl)(u, cmd, arg));
	sys_close(u);
	return x;
}
