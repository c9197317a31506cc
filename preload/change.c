/* Changes to names: mkdir, mknod, symlink, link, unlink, rmdir, rename.
 * Inside the union they go to core/ops.c; outside, to libc.  Between the
 * union and the outside a rename or link crosses a mount: EXDEV. */
#include "impl.h"
#include "ops.h"

long mkdir_impl(int dirfd, const char *path, mode_t mode)
{
	struct ue_path p;
	int r = ue_resolve_for_change(dirfd, path, 0, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION)
		return ue_op_mkdir(&p, mode);
	return UE_ERR(REAL(mkdirat)(ue_kfd(&p, dirfd), ue_kpath(&p, path), mode));
}

long mknod_impl(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	struct ue_path p;
	int r = ue_resolve_for_change(dirfd, path, 0, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION)
		return ue_op_mknod(&p, (mode & S_IFMT) ? mode : (mode | S_IFREG), dev);
	return UE_ERR(REAL(mknodat)(ue_kfd(&p, dirfd), ue_kpath(&p, path), mode, dev));
}

long symlink_impl(const char *target, int dirfd, const char *path)
{
	struct ue_path p;
	int r = ue_resolve_for_change(dirfd, path, 0, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION)
		return ue_op_symlink(target, &p);
	return UE_ERR(REAL(symlinkat)(target, ue_kfd(&p, dirfd), ue_kpath(&p, path)));
}

long link_impl(int fromfd, const char *from, int tofd, const char *to, int fl)
{
	struct ue_path a, b;
	int r = ue_resolve_for_change(fromfd, from, (fl & AT_SYMLINK_FOLLOW) ? UE_FOLLOW : 0, &a);
	if (r < 0 || (r = ue_resolve_for_change(tofd, to, 0, &b)) < 0)
		return r;
	if (a.where == UE_UNION && b.where == UE_UNION)
		return ue_op_link(&a, &b);
	if (a.where == UE_UNION || b.where == UE_UNION)
		return -EXDEV;
	return UE_ERR(REAL(linkat)(ue_kfd(&a, fromfd), ue_kpath(&a, from), ue_kfd(&b, tofd), ue_kpath(&b, to), fl));
}

long unlink_impl(int dirfd, const char *path, int fl)
{
	struct ue_path p;
	int r = ue_resolve_for_change(dirfd, path, 0, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION)
		return (fl & AT_REMOVEDIR) ? ue_op_rmdir(&p) : ue_op_unlink(&p);
	return UE_ERR(REAL(unlinkat)(ue_kfd(&p, dirfd), ue_kpath(&p, path), fl));
}

/* As glibc's remove: unlink, and rmdir what is a directory. */
long remove_impl(const char *path)
{
	long r = unlink_impl(AT_FDCWD, path, 0);
	return r == -EISDIR ? unlink_impl(AT_FDCWD, path, AT_REMOVEDIR) : r;
}

long rename_impl(int fromfd, const char *from, int tofd, const char *to, unsigned fl)
{
	struct ue_path a, b;
	int r = ue_resolve_for_change(fromfd, from, 0, &a);
	if (r < 0 || (r = ue_resolve_for_change(tofd, to, 0, &b)) < 0)
		return r;
	if (a.where == UE_UNION && b.where == UE_UNION)
		return ue_op_rename(&a, &b, fl);
	if (a.where == UE_UNION || b.where == UE_UNION)
		return -EXDEV;
	return UE_ERR(REAL(renameat2)(ue_kfd(&a, fromfd), ue_kpath(&a, from), ue_kfd(&b, tofd), ue_kpath(&b, to), fl));
}
