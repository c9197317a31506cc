/* Reading metadata: the stat family (modern, legacy and statx), access,
 * readlink, statfs, xattrs. */
#include "lowerdirs.h"
#include "dirorigin.h"
#include "fdtab.h"
#include "fdnames.h"
#include "impl.h"
#include "index.h"
#include "layerpath.h"
#include "lookup.h"
#include "override.h"
#include "perm.h"
#include "procfd.h"
#include "sys.h"
#include "markers.h"
#include "origin.h"

#include <limits.h>
#include <string.h>

/* The path the fd is open on (its /proc link) into real: 1, or 0. */
static int fd_real(int fd, char *real, size_t size)
{
	char link[64];
	ue_proc_fd(link, sizeof link, fd, NULL);
	long n = sys_readlinkat(AT_FDCWD, link, real, size - 1);
	if (n <= 0)
		return 0;
	real[n] = '\0';
	return 1;
}

/* An fd open on a copied-up file reports the inode number its name does:
 * fts and tar compare the two.  An O_PATH fd on a symlink, or an fd a
 * union's open gave on a special file of the upper: its origin is on its
 * directory, under the name the fd's /proc link gives (dirorigin.h).
 * Pipes, sockets and terminals cost no look. */
static unsigned long fd_origin(int fd, mode_t mode)
{
	char real[UE_PATH_MAX];
	if (!ue_cfg.one_dev || ue_fd_made(fd))
		return 0;
	/* A followed fd is open on a lower's file (fdtab.h), whose number is
	 * the one the union shows: origins are the upper's (tar's two fstat a
	 * file asked the xattr twice). */
	if (ue_fd_tracked(fd))
		return 0;
	if (!ue_dirorigin_kind(mode))
		return ue_origin_ino_fd(fd);
	if (!S_ISLNK(mode) && !ue_fd_on_upper(fd))
		return 0;
	return fd_real(fd, real, sizeof real) && real[0] == '/' && ue_layer_of(real) == UE_UPPER
	           ? ue_dirorigin_ino_fd(fd, real) : 0;
}

static void fd_ino(int fd, struct stat *st)
{
	unsigned long o = fd_origin(fd, st->st_mode);
	if (o)
		st->st_ino = o;
}

/* The owner recorded (override.h) on a file or directory of a layer open
 * as fd; the real owner is then the copy-up's caller, never root. */
static int fd_override(int fd, mode_t mode, uid_t uid, struct ue_override *o)
{
	char real[UE_PATH_MAX];
	if (uid == 0 || !(S_ISREG(mode) || S_ISDIR(mode)) || !ue_config_active() || ue_fd_made(fd) ||
	    ue_override_get(NULL, fd, o) != 1)
		return 0;
	return fd_real(fd, real, sizeof real) && ue_layer_of(real) >= 0;
}

/* An fd on a file of a hard-link group the union copied up (index.h)
 * reports the union's count, as the group's names do: on the kernel the
 * fd and the names are one overlay inode.  Only with --work, for a
 * regular file with several links. */
static unsigned long fd_nlink(int fd, mode_t mode, unsigned long nlink)
{
	char real[UE_PATH_MAX];
	if (!ue_cfg.index || !S_ISREG(mode) || nlink < 2 || ue_fd_made(fd) || !fd_real(fd, real, sizeof real))
		return nlink;
	/* The upper's file, or the entry a name still in a lower showed. */
	if (ue_layer_of(real) != UE_UPPER && !ue_path_under(real, ue_cfg.index, strlen(ue_cfg.index)))
		return nlink;
	return ue_index_nlink(real, nlink);
}

static void fd_shown(int fd, struct stat *st)
{
	struct ue_override o;
	if (ue_fd_outside(fd))
		return;
	fd_ino(fd, st);
	st->st_nlink = fd_nlink(fd, st->st_mode, st->st_nlink);
	if (fd_override(fd, st->st_mode, st->st_uid, &o))
		ue_override_apply(&o, st);
}

static void node_shown(const struct ue_node *n, struct stat *st)
{
	struct ue_override o = { n->uid, n->gid, n->mode };
	if (n->override)
		ue_override_apply(&o, st);
}

long fstat_impl(int fd, struct stat *st)
{
	ue_fd_follow_entered(fd);
	long r = UE_ERR(LIBC(fstat)(fd, st));
	if (r == 0)
		fd_shown(fd, st);
	return r;
}

/* P: the table's PATH(path, dirfd, ..., READS), the fd form included. */
long stat_impl(struct ue_arg *P, struct stat *st, int fl)
{
	if (P->fd >= 0) {
		long r = UE_ERR(LIBC(fstatat)(P->fd, "", st, fl));
		if (r == 0)
			fd_shown(P->fd, st);
		return r;
	}
	const struct ue_path *p = &P->p;
	long s;
	/* The walk has just made this very lstat (a name the cache did not
	 * know: du, tar and rm meet each name once): taken as the answer. */
	if (p->where == UE_UNION && p->top_st_valid && !p->node.data_layer && !p->node.redirect &&
	    !(fl & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)) &&
	    ((fl & AT_SYMLINK_NOFOLLOW) || !S_ISLNK(p->top_st.st_mode))) {
		*st = p->top_st;
		s = 0;
	} else {
		struct ue_kname k;
		ue_arg_kname(P, &k);
		s = UE_ERR(LIBC(fstatat)(k.fd, k.name, st, ue_arg_kflags(P, fl)));
		ue_lowerdir_done(&k);
	}
	if (s == 0 && p->where == UE_UNION) {
		/* As the kernel's overlay: a copied-up file keeps its inode number,
		 * a merged directory reports one link. */
		if (p->node.origin_ino)
			st->st_ino = p->node.origin_ino;
		if (S_ISDIR(st->st_mode) && ue_node_merged(&p->node))
			st->st_nlink = 1;
		/* An entry seen through a lower name may have no other (nlink 1):
		 * the record counts the lower names left. */
		if (S_ISREG(st->st_mode) && ((st->st_nlink > 1 && p->node.layer == UE_UPPER) || p->node.indexed))
			st->st_nlink = ue_index_nlink(p->real, st->st_nlink);
		node_shown(&p->node, st);
	}
	return s;
}

static void statx_shown(const struct ue_override *o, struct statx *stx)
{
	stx->stx_uid = o->uid;
	stx->stx_gid = o->gid;
	stx->stx_mode = (uint16_t)((stx->stx_mode & S_IFMT) | o->mode);
}

long statx_impl(struct ue_arg *P, int fl, unsigned mask, struct statx *stx)
{
	int fd = P->fd;
	if (fd >= 0) {
		long r = UE_ERR(LIBC(statx)(fd, "", fl, mask, stx));
		unsigned long o = r == 0 ? fd_origin(fd, stx->stx_mode) : 0;
		struct ue_override ov;
		if (o)
			stx->stx_ino = o;
		if (r == 0)
			stx->stx_nlink = (uint32_t)fd_nlink(fd, stx->stx_mode, stx->stx_nlink);
		if (r == 0 && fd_override(fd, stx->stx_mode, stx->stx_uid, &ov))
			statx_shown(&ov, stx);
		return r;
	}
	const struct ue_path *p = &P->p;
	long s;
	/* As in stat_impl, the walk's own look at this very name (a statx of
	 * the basic fields, no automount): its reply answers a call asking no
	 * more than those, the default sync, no automount of a directory. */
	if (p->where == UE_UNION && p->top_st_valid && p->top_stx.stx_mask && !p->node.data_layer && !p->node.redirect &&
	    !(fl & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)) && !(mask & ~STATX_BASIC_STATS) &&
	    ((fl & AT_NO_AUTOMOUNT) || !S_ISDIR(p->top_stx.stx_mode)) &&
	    ((fl & AT_SYMLINK_NOFOLLOW) || !S_ISLNK(p->top_stx.stx_mode))) {
		*stx = p->top_stx;
		s = 0;
	} else {
		struct ue_kname k;
		ue_arg_kname(P, &k);
		s = UE_ERR(LIBC(statx)(k.fd, k.name, ue_arg_kflags(P, fl), mask, stx));
		ue_lowerdir_done(&k);
	}
	if (s == 0 && p->where == UE_UNION) {
		if (p->node.origin_ino)
			stx->stx_ino = p->node.origin_ino;
		if (S_ISDIR(stx->stx_mode) && ue_node_merged(&p->node))
			stx->stx_nlink = 1;
		if (S_ISREG(stx->stx_mode) && ((stx->stx_nlink > 1 && p->node.layer == UE_UPPER) || p->node.indexed))
			stx->stx_nlink = (uint32_t)ue_index_nlink(p->real, stx->stx_nlink);
		if (p->node.override)
			statx_shown(&(struct ue_override){ p->node.uid, p->node.gid, p->node.mode }, stx);
	}
	return s;
}

long statfs_impl(struct ue_arg *P, struct statfs *b, int (*libc)(const char *, struct statfs *))
{
	return UE_ERR(libc(ue_arg_kpath(P), b));
}

long statvfs_impl(struct ue_arg *P, struct statvfs *b, int (*libc)(const char *, struct statvfs *))
{
	return UE_ERR(libc(ue_arg_kpath(P), b));
}

long access_impl(struct ue_arg *P, int mode, int fl)
{
	const struct ue_path *p = &P->p;
	if (P->fd < 0 && p->where == UE_UNION && p->node.override)
		return ue_may(p->caller, p->real, mode);  /* the kernel knows the copy-up's owner, not the recorded one */
	struct ue_kname k;
	ue_arg_kname(P, &k);
	long a = UE_ERR(LIBC(faccessat)(k.fd, k.name, mode, ue_arg_kflags(P, fl)));
	ue_lowerdir_done(&k);
	/* A lower on a read-only filesystem: writing goes to the upper, so only
	 * the mode bits count, as on the kernel's overlay. */
	if (a == -EROFS && P->fd < 0 && p->where == UE_UNION && p->node.layer != UE_UPPER)
		a = UE_ERR(LIBC(faccessat)(AT_FDCWD, ue_kreal(p), mode & ~W_OK, ue_arg_kflags(P, fl)));
	return a;
}

/* /proc/self/{cwd,exe,fd/N} name a layer's file: give the union's name. */
static long unreal_link(char *buf, size_t n, long len)
{
	char real[UE_PATH_MAX], v[UE_PATH_MAX];
	if (len <= 0 || (size_t)len >= sizeof real || buf[0] != '/')
		return len;
	memcpy(real, buf, (size_t)len);
	real[len] = '\0';
	if (ue_unreal(v, sizeof v, real) < 0 || !strcmp(v, real))
		return len;
	size_t vl = strlen(v);
	if (vl > n)
		vl = n;
	memcpy(buf, v, vl);
	return (long)vl;
}

long readlink_impl(struct ue_arg *P, char *buf, size_t n)
{
	const char *k = ue_arg_kpath(P);
	if (!strncmp(k, "/proc/", 6)) {
		char tmp[PATH_MAX];
		long len = UE_ERR(LIBC(readlinkat)(ue_arg_kfd(P), k, tmp, sizeof tmp));
		if (len < 0)
			return len;
		len = unreal_link(tmp, sizeof tmp, len);
		if ((size_t)len > n)
			len = (long)n;
		memcpy(buf, tmp, (size_t)len);
		return len;
	}
	return UE_ERR(LIBC(readlinkat)(ue_arg_kfd(P), k, buf, n));
}

long getxattr_impl(struct ue_arg *P, const char *name, void *v, size_t n, int follow)
{
	const char *k = ue_arg_kpath(P);
	if (P->p.where != UE_UNION)
		return UE_ERR(follow ? LIBC(getxattr)(k, name, v, n) : LIBC(lgetxattr)(k, name, v, n));
	if (ue_xattr_is_marker(name))
		return -ENODATA;
	struct ue_kname kn;
	ue_arg_kname(P, &kn);
	long r = kn.fd == AT_FDCWD ? UE_ERR(LIBC(lgetxattr)(k, name, v, n)) : ue_xattr_get_at(kn.fd, kn.name, name, v, n);
	ue_lowerdir_done(&kn);
	return r;
}

long listxattr_impl(struct ue_arg *P, char *list, size_t n, int follow)
{
	const char *k = ue_arg_kpath(P);
	if (P->p.where != UE_UNION)
		return UE_ERR(follow ? LIBC(listxattr)(k, list, n) : LIBC(llistxattr)(k, list, n));
	struct ue_kname kn;
	ue_arg_kname(P, &kn);
	long len = kn.fd == AT_FDCWD ? UE_ERR(LIBC(llistxattr)(k, list, n)) : ue_xattr_list_at(kn.fd, kn.name, list, n);
	ue_lowerdir_done(&kn);
	if (len <= 0 || n == 0)
		return len;
	return ue_xattr_drop_markers(list, len);
}
