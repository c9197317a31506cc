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

/* P: the source (an fd form of a lower's file named: it is copied up and
 * the upper copy linked, as the kernel's overlayfs links its inode; never
 * the lower's own inode, which a write through the new name would then
 * change).  Q: the new name. */
long link_impl(struct ue_arg *P, struct ue_arg *Q, int fl)
{
	if (P->p.where == UE_UNION && Q->p.where == UE_UNION)
		return ue_op_link(&P->p, &Q->p);
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
