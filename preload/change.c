/* Changes to names: mkdir, mknod, symlink, link, unlink, rmdir, rename.
 * Inside the union they go to core/ops.c; outside, to libc.  Between the
 * union and the outside a rename or link crosses a mount: EXDEV. */
#include "impl.h"
#include "ops.h"
#include "userptr.h"

#include <limits.h>
#include <string.h>

long mkdir_impl(int dirfd, const char *path, mode_t mode)
{
	struct ue_path p;
	int r = ue_resolve_for_change(ue_for(), dirfd, path, 0, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION)
		return ue_op_mkdir(&p, mode);
	return UE_ERR(LIBC(mkdirat)(ue_kfd(&p, dirfd), ue_kpath(&p, path), mode));
}

long mknod_impl(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	struct ue_path p;
	int r = ue_resolve_for_change(ue_for(), dirfd, path, 0, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION)
		return ue_op_mknod(&p, (mode & S_IFMT) ? mode : (mode | S_IFREG), dev);
	return UE_ERR(LIBC(mknodat)(ue_kfd(&p, dirfd), ue_kpath(&p, path), mode, dev));
}

long symlink_impl(const char *target, int dirfd, const char *path)
{
	struct ue_path p;
	long t = ue_user_path(target);  /* the kernel reads it first */
	int r = t < 0 ? (int)t : 0;
	if (r < 0 || (r = ue_resolve_for_change(ue_for(), dirfd, path, 0, &p)) < 0)
		return r;
	if (p.where == UE_UNION)
		return ue_op_symlink(target, &p);
	return UE_ERR(LIBC(symlinkat)(target, ue_kfd(&p, dirfd), ue_kpath(&p, path)));
}

/* For a path the kernel resolves (outside the union): its parent directory
 * must exist, as the kernel's parent lookup demands before anything else. */
static int outside_parent_ok(const struct ue_path *p, int fd, const char *path)
{
	char dir[UE_PATH_MAX];
	struct stat st;
	if (p->where == UE_UNION || !path || !*path)
		return 0;
	const char *k = ue_kpath(p, path), *slash = strrchr(k, '/');
	if (!slash || slash == k || (size_t)(slash - k) >= sizeof dir)
		return 0;
	memcpy(dir, k, (size_t)(slash - k));
	dir[slash - k] = '\0';
	if (LIBC(fstatat)(ue_kfd(p, fd), dir, &st, 0) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int source_exists(const struct ue_path *a, int afd, const char *apath)
{
	struct stat st;
	if (a->where == UE_UNION)
		return ue_node_exists(&a->node) ? 0 : -ENOENT;
	if (!apath || !*apath)
		return 0;  /* AT_EMPTY_PATH, or an error: the kernel's to say */
	return LIBC(fstatat)(ue_kfd(a, afd), ue_kpath(a, apath), &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* The errors in the kernel's order.  rename looks both parents up, then
 * the source; link looks the whole source up before the new name. */
static int resolve_pair(int afd, const char *apath, int aflags, struct ue_path *a, int bfd, const char *bpath,
                        struct ue_path *b, int source_first)
{
	int r = ue_resolve_for_change(ue_for(), afd, apath, aflags, a);
	if (r < 0 || (r = outside_parent_ok(a, afd, apath)) < 0)
		return r;
	if (source_first && (r = source_exists(a, afd, apath)) < 0)
		return r;
	if ((r = ue_resolve_for_change(ue_for(), bfd, bpath, 0, b)) < 0 || (r = outside_parent_ok(b, bfd, bpath)) < 0)
		return r;
	return source_first ? 0 : source_exists(a, afd, apath);
}

long link_impl(int fromfd, const char *from, int tofd, const char *to, int fl)
{
	struct ue_path a, b;
	int r = resolve_pair(fromfd, from, (fl & AT_SYMLINK_FOLLOW) ? UE_FOLLOW : 0, &a, tofd, to, &b, 1);
	if (r < 0)
		return r;
	if (a.where == UE_UNION && b.where == UE_UNION)
		return ue_op_link(&a, &b);
	if (a.where == UE_UNION || b.where == UE_UNION)
		return -EXDEV;  /* between the union and the outside: another mount */
	return UE_ERR(LIBC(linkat)(ue_kfd(&a, fromfd), ue_kpath(&a, from), ue_kfd(&b, tofd), ue_kpath(&b, to), fl));
}

long unlink_impl(int dirfd, const char *path, int fl)
{
	struct ue_path p;
	int r = ue_resolve_for_change(ue_for(), dirfd, path, 0, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION)
		return (fl & AT_REMOVEDIR) ? ue_op_rmdir(&p) : ue_op_unlink(&p);
	return UE_ERR(LIBC(unlinkat)(ue_kfd(&p, dirfd), ue_kpath(&p, path), fl));
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
	int r = resolve_pair(fromfd, from, 0, &a, tofd, to, &b, 0);
	if (r < 0)
		return r;
	if (a.where == UE_UNION && b.where == UE_UNION)
		return ue_op_rename(&a, &b, fl);
	if (a.where == UE_UNION || b.where == UE_UNION)
		return -EXDEV;  /* between the union and the outside: another mount */
	return UE_ERR(LIBC(renameat2)(ue_kfd(&a, fromfd), ue_kpath(&a, from), ue_kfd(&b, tofd), ue_kpath(&b, to), fl));
}
