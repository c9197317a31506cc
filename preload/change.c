/* Changes to names: mkdir, mknod, symlink, link, unlink, rmdir, rename.
 * Inside the union they go to core/ops.c; outside, to libc.  Between the
 * union and the outside a rename or link crosses a mount: EXDEV.  The
 * names come resolved from the table (NAMES, PAIR: args.h). */
#include "calls.h"
#include "impl.h"
#include "layerpath.h"
#include "ops.h"
#include "procfd.h"
#include "sys.h"
#include "userptr.h"

#include <limits.h>
#include <string.h>

long mkdir_impl(struct ue_arg *P, mode_t mode)
{
	if (P->p.where == UE_UNION)
		return ue_op_mkdir(&P->p, mode);
	return UE_ERR(LIBC(mkdirat)(ue_arg_kfd(P), ue_arg_kpath(P), mode));
}

long mknod_impl(struct ue_arg *P, mode_t mode, dev_t dev)
{
	if (P->p.where == UE_UNION)
		return ue_op_mknod(&P->p, (mode & S_IFMT) ? mode : (mode | S_IFREG), dev);
	return UE_ERR(LIBC(mknodat)(ue_arg_kfd(P), ue_arg_kpath(P), mode, dev));
}

/* Hand-resolved (tests/coverage-hand.expected): the kernel reads the
 * target before it looks the name up, so a bad target pointer is EFAULT
 * whatever the name. */
long symlink_impl(const char *target, int dirfd, const char *path)
{
	struct ue_arg P;
	long t = ue_user_path(target);
	int r = t < 0 ? (int)t : 0;
	if (r < 0 || (r = ue_arg_resolve(&P, dirfd, path, NOFOLLOW, NOEMPTY, NAMES)) < 0)
		return r;
	if (P.p.where == UE_UNION)
		return ue_op_symlink(target, &P.p);
	return UE_ERR(LIBC(symlinkat)(target, ue_arg_kfd(&P), ue_arg_kpath(&P)));
}

/* The fd form's fd open on a file in a layer (not named: on the upper's
 * file, or a lower's file the union no longer shows). */
static int fd_in_layer(int fd)
{
	char link[64], real[UE_PATH_MAX];
	ue_proc_fd(link, sizeof link, fd, NULL);
	long n = sys_readlinkat(AT_FDCWD, link, real, sizeof real - 1);
	if (n <= 0 || real[0] != '/')
		return 0;
	real[n] = '\0';
	return ue_layer_of(real) >= 0;
}

/* The source of a link into the union that the union cannot name: an
 * O_TMPFILE made in a union directory (made in the upper; the kernel
 * names it "#N (deleted)" even once linked), or a removed upper file, by
 * its fd or by /proc/self/fd/N followed.  The kernel links it, or says
 * it may not (a removed file's ENOENT).  Its /proc/self/fd name in link,
 * with *held the O_PATH fd opened for it (-1 for the fd form); 0 when the
 * source is not such a file. */
static int unnamed_upper_source(struct ue_arg *P, int fl, char *link, size_t size, int *held)
{
	char real[UE_PATH_MAX];
	struct stat st;
	int fd = P->fd;
	*held = -1;
	if (fd < 0) {
		if (!(fl & AT_SYMLINK_FOLLOW))
			return 0;
		fd = *held = sys_openat(ue_arg_kfd(P), ue_arg_kpath(P), O_PATH | O_CLOEXEC, 0);
		if (fd < 0)
			return 0;
	}
	ue_proc_fd(link, size, fd, NULL);
	long n = sys_readlinkat(AT_FDCWD, link, real, sizeof real - 1);
	int is = n > 0 && ue_proc_fd_deleted(real, (size_t)n) && sys_fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (is) {
		real[n] = '\0';
		is = ue_layer_of(real) == UE_UPPER;
	}
	if (!is && *held >= 0) {
		sys_close(*held);
		*held = -1;
	}
	return is;
}

/* P: the source (an fd form of a lower's file named: it is copied up and
 * the upper copy linked, as the kernel's overlayfs links its inode; never
 * the lower's own inode, which a write through the new name would then
 * change).  Q: the new name. */
long link_impl(struct ue_arg *P, struct ue_arg *Q, int fl)
{
	char link[64];
	int held;
	if (P->p.where == UE_UNION && Q->p.where == UE_UNION)
		return ue_op_link(&P->p, &Q->p);
	if (P->p.where != UE_UNION && Q->p.where == UE_UNION &&
	    unnamed_upper_source(P, fl, link, sizeof link, &held)) {
		long r = ue_op_link_unnamed(link, &Q->p);
		if (held >= 0)
			sys_close(held);
		return r;
	}
	if (P->p.where == UE_UNION || Q->p.where == UE_UNION)
		return -EXDEV;  /* between the union and the outside: another mount */
	if (P->fd >= 0 && fd_in_layer(P->fd))
		return -EXDEV;  /* a file of the union by its fd, linked outside */
	return UE_ERR(LIBC(linkat)(ue_arg_kfd(P), ue_arg_kpath(P), ue_arg_kfd(Q), ue_arg_kpath(Q), fl));
}

long unlink_impl(struct ue_arg *P, int fl)
{
	if (P->p.where == UE_UNION)
		return (fl & AT_REMOVEDIR) ? ue_op_rmdir(&P->p) : ue_op_unlink(&P->p);
	return UE_ERR(LIBC(unlinkat)(ue_arg_kfd(P), ue_arg_kpath(P), fl));
}

/* As glibc's remove: unlink, and rmdir what is a directory. */
long remove_impl(const char *path)
{
	long r = ue_call_unlink(path);
	return r == -EISDIR ? ue_call_rmdir(path) : r;
}

long rename_impl(struct ue_arg *P, struct ue_arg *Q, unsigned fl)
{
	if (P->p.where == UE_UNION && Q->p.where == UE_UNION)
		return ue_op_rename(&P->p, &Q->p, fl);
	if (P->p.where == UE_UNION || Q->p.where == UE_UNION)
		return -EXDEV;  /* between the union and the outside: another mount */
	return UE_ERR(LIBC(renameat2)(ue_arg_kfd(P), ue_arg_kpath(P), ue_arg_kfd(Q), ue_arg_kpath(Q), fl));
}
