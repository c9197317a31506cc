/* The markers' names, and reading them in every form (markers.h). */
#include "markers.h"
#include "layerpath.h"
#include "path.h"
#include "procfd.h"
#include "sys.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#define OVL_XATTR(name) { UE_OVL_PREFIX_TRUSTED name, UE_OVL_PREFIX_USER name }

const char *const ue_ovl_xattr_table[UE_OVL_NR][2] = {
	[UE_OVL_OPAQUE]    = OVL_XATTR("opaque"),
	[UE_OVL_REDIRECT]  = OVL_XATTR("redirect"),
	[UE_OVL_ORIGIN]    = OVL_XATTR("origin"),
	[UE_OVL_IMPURE]    = OVL_XATTR("impure"),
	[UE_OVL_METACOPY]  = OVL_XATTR("metacopy"),
	[UE_OVL_WHITEOUT]  = OVL_XATTR("whiteout"),
	[UE_OVL_WHITEOUTS] = OVL_XATTR("whiteouts"),
	[UE_OVL_NLINK]     = OVL_XATTR("nlink"),
	[UE_OVL_ORIGIN_OF] = OVL_XATTR("origin-of."),
	[UE_OVL_FORM]      = OVL_XATTR("unionenv-form"),
};

/* ---- names ------------------------------------------------------------- */

int ue_aufs_marker(char *buf, size_t size, const char *path)
{
	const char *base = ue_path_base(path);
	if (strlen(base) + sizeof UE_AUFS_PREFIX - 1 > NAME_MAX)
		return -ENAMETOOLONG;  /* no room for the prefix: the form's own limit */
	size_t dl = (size_t)(base - path);
	if (dl + sizeof UE_AUFS_PREFIX + strlen(base) > size)
		return -ENAMETOOLONG;
	memcpy(buf, path, dl);
	strcpy(buf + dl, UE_AUFS_PREFIX);
	strcat(buf + dl, base);
	return 0;
}

int ue_xattr_is_marker(const char *name)
{
	return strncmp(name, UE_OVL_PREFIX_USER, sizeof UE_OVL_PREFIX_USER - 1) == 0 ||
	       strncmp(name, UE_FUSE_PREFIX, sizeof UE_FUSE_PREFIX - 1) == 0 ||
	       strncmp(name, UE_OVL_PREFIX_TRUSTED, sizeof UE_OVL_PREFIX_TRUSTED - 1) == 0 ||
	       strcmp(name, UE_XATTR_OVERRIDE) == 0;
}

long ue_xattr_drop_markers(char *list, long len)
{
	long o = 0;
	for (long i = 0; i < len;) {
		size_t l = strlen(list + i) + 1;
		if (!ue_xattr_is_marker(list + i)) {
			memmove(list + o, list + i, l);
			o += (long)l;
		}
		i += (long)l;
	}
	return o;
}

/* ---- reading an entry's xattrs ------------------------------------------ */

/* getxattrat/listxattrat (Linux 6.13); the numbers are the same on every
 * architecture, the libc may not know them yet. */
#define SYS_getxattrat_  464
#define SYS_listxattrat_ 465
struct xattr_args_ {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};
/* Set once a kernel said ENOSYS: only the layer tools name entries by a
 * directory fd and a name, the core names them by path. */
static int no_xattrat;

/* "/proc/self/fd/DFD/NAME": the same entry for the path-taking calls. */
static int via_proc(char *buf, size_t size, int dfd, const char *name)
{
	int n = ue_proc_fd(buf, size, dfd, name);
	return n < 0 ? n : 0;
}

/* Before Linux 6.13 the *xattrat calls are missing: the name is taken
 * through the fd's /proc name.  These are apart, so that the name's
 * buffer is not a page of every caller's stack (each a page fault in
 * each thread of git status). */
static UE_OWN_FRAME long xattr_get_via_proc(int dfd, const char *name, const char *attr, void *buf, size_t size)
{
	char p[PATH_MAX + 32];
	int e = via_proc(p, sizeof p, dfd, name);
	return e < 0 ? e : sys_lgetxattr(p, attr, buf, size);
}

static UE_OWN_FRAME long xattr_list_via_proc(int dfd, const char *name, char *buf, size_t size)
{
	char p[PATH_MAX + 32];
	int e = via_proc(p, sizeof p, dfd, name);
	return e < 0 ? e : sys_llistxattr(p, buf, size);
}

long ue_xattr_get_at(int dfd, const char *name, const char *attr, void *buf, size_t size)
{
	if (!name)
		return sys_fgetxattr(dfd, attr, buf, size);
	if (dfd == AT_FDCWD)
		return sys_lgetxattr(name, attr, buf, size);
	if (!no_xattrat) {
		struct xattr_args_ a = { (uint64_t)(uintptr_t)buf, (uint32_t)size, 0 };
		long r = UE_SYS(SYS_getxattrat_, dfd, name, AT_SYMLINK_NOFOLLOW, attr, &a, sizeof a);
		if (r != -ENOSYS)
			return r;
		no_xattrat = 1;
	}
	return xattr_get_via_proc(dfd, name, attr, buf, size);
}

long ue_xattr_list_at(int dfd, const char *name, char *buf, size_t size)
{
	if (!name)
		return UE_SYS(SYS_flistxattr, dfd, buf, size);
	if (dfd == AT_FDCWD)
		return sys_llistxattr(name, buf, size);
	if (!no_xattrat) {
		long r = UE_SYS(SYS_listxattrat_, dfd, name, AT_SYMLINK_NOFOLLOW, buf, size);
		if (r != -ENOSYS)
			return r;
		no_xattrat = 1;
	}
	return xattr_list_via_proc(dfd, name, buf, size);
}

/* Whether the entry carries attr in either column. */
static int has_either(int dfd, const char *name, enum ue_ovl_xattr x)
{
	return ue_xattr_get_at(dfd, name, ue_ovl_xattr_table[x][UE_NS_USER], NULL, 0) >= 0 ||
	       ue_xattr_get_at(dfd, name, ue_ovl_xattr_table[x][UE_NS_TRUSTED], NULL, 0) >= 0;
}

/* ---- whiteouts ---------------------------------------------------------- */

int ue_whiteout_inode(int dfd, const char *name, const struct stat *st, int xwh)
{
	if (ue_is_whiteout(st))
		return UE_WH_DEVICE;
	if (xwh && S_ISREG(st->st_mode) && st->st_size == 0 && has_either(dfd, name, UE_OVL_WHITEOUT))
		return UE_WH_XATTR;
	return 0;
}

int ue_aufs_hides(const char *path)
{
	char wh[UE_PATH_MAX];
	struct stat st;
	return ue_aufs_marker(wh, sizeof wh, path) == 0 && sys_lstat(wh, &st) == 0;
}

/* ---- directories -------------------------------------------------------- */

/* The one-character value of an opaque marker, 0 when it has none. */
static int opaque_value(int dfd, const char *name, const char *attr)
{
	char v[2];
	return ue_xattr_get_at(dfd, name, attr, v, sizeof v) == 1 ? v[0] : 0;
}

static unsigned opaque_bits(int v, unsigned y, unsigned x)
{
	return v == 'y' ? y : v == 'x' ? x : 0;
}

unsigned ue_dir_xattrs(int dfd, const char *name)
{
	char list[2048];
	int user = 1, trusted = 1, fuse = 1, whiteouts = 1, redirect = 1;
	long n = ue_xattr_list_at(dfd, name, list, sizeof list);
	if (n != -ERANGE) {  /* else a long list: ask for each name */
		user = trusted = fuse = whiteouts = redirect = 0;
		for (long i = 0; i < n; i += (long)strlen(list + i) + 1) {
			const char *s = list + i;
			user |= !strcmp(s, UE_OVL_USER(OPAQUE));
			trusted |= !strcmp(s, UE_OVL_TRUSTED(OPAQUE));
			fuse |= !strcmp(s, UE_FUSE_OPAQUE);
			whiteouts |= !strcmp(s, UE_OVL_USER(WHITEOUTS)) || !strcmp(s, UE_OVL_TRUSTED(WHITEOUTS));
			redirect |= !strcmp(s, UE_OVL_USER(REDIRECT)) || !strcmp(s, UE_OVL_TRUSTED(REDIRECT));
		}
	} else {
		whiteouts = has_either(dfd, name, UE_OVL_WHITEOUTS);
		redirect = has_either(dfd, name, UE_OVL_REDIRECT);
	}
	unsigned f = 0;
	if (user)
		f |= opaque_bits(opaque_value(dfd, name, UE_OVL_USER(OPAQUE)), UE_DX_OPQ_USER, UE_DX_XWH_USER);
	if (trusted)
		f |= opaque_bits(opaque_value(dfd, name, UE_OVL_TRUSTED(OPAQUE)), UE_DX_OPQ_TRUSTED, UE_DX_XWH_TRUSTED);
	if (fuse && opaque_value(dfd, name, UE_FUSE_OPAQUE) == 'y')
		f |= UE_DX_OPQ_FUSE;
	return f | (whiteouts ? UE_DX_WHITEOUTS : 0) | (redirect ? UE_DX_REDIRECT : 0);
}

/* aufs markers in a directory: UE_DIR_AUFS, | UE_DIR_OPAQUE for .wh..wh..opq */
static UE_OWN_FRAME int aufs_scan(const char *real_dir)
{
	char buf[32768];
	int flags = 0;
	int fd = sys_openat(AT_FDCWD, real_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	long n;
	while ((n = sys_getdents64(fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			off += d->d_reclen;
			if (ue_aufs_is_marker(d->d_name))
				flags |= UE_DIR_AUFS | (strcmp(d->d_name, UE_AUFS_OPAQUE) ? 0 : UE_DIR_OPAQUE);
		}
	}
	sys_close(fd);
	return flags;
}

/* The UE_DIR_ flags that a directory's xattrs (ue_dir_xattrs) make. */
static int xattr_flags(unsigned x)
{
	int flags = 0;
	/* The unprivileged column speaks first: its "x" (xattr whiteouts
	 * here) is not overruled by a trusted "y". */
	if ((x & UE_DX_OPQ_USER) || (!(x & UE_DX_XWH_USER) && (x & UE_DX_OPQ_TRUSTED)) || (x & UE_DX_OPQ_FUSE))
		flags |= UE_DIR_OPAQUE;
	if ((x & (UE_DX_XWH_USER | UE_DX_WHITEOUTS)) || (!(x & UE_DX_OPQ_USER) && (x & UE_DX_XWH_TRUSTED)))
		flags |= UE_DIR_XWHITEOUTS;
	if (x & UE_DX_REDIRECT)
		flags |= UE_DIR_REDIRECT;
	return flags;
}

int ue_dir_markers(const char *real_dir, int aufs)
{
	return ue_dir_markers_at(AT_FDCWD, real_dir, real_dir, aufs);
}

int ue_dir_markers_at(int dfd, const char *name, const char *real_dir, int aufs)
{
	int flags = xattr_flags(ue_dir_xattrs(dfd, name));
	if (aufs == UE_AUFS_SCAN) {
		flags |= aufs_scan(real_dir);
	} else if (aufs == UE_AUFS_ASSUME) {
		char opq[UE_PATH_MAX];
		struct stat st;
		flags |= UE_DIR_AUFS;
		if (ue_path_join(opq, sizeof opq, real_dir, UE_AUFS_OPAQUE) == 0 && sys_lstat(opq, &st) == 0)
			flags |= UE_DIR_OPAQUE;
	}
	return flags;
}

/* Whether the marks of name in dfd, read in full, leave it plain: a name
 * of a mark is not enough (the user column's "x" overrules a trusted "y"). */
static int marks_plain(int dfd, const char *name)
{
	return !(xattr_flags(ue_dir_xattrs(dfd, name)) & (UE_DIR_OPAQUE | UE_DIR_REDIRECT));
}

int ue_upper_dir_plain_at(int dfd, const char *name)
{
	char list[2048];
	long n = ue_xattr_list_at(dfd, name, list, sizeof list);
	if (n < 0)
		return n == -ERANGE && marks_plain(dfd, name);
	for (long i = 0; i < n; i += (long)strlen(list + i) + 1)
		if (!strcmp(list + i, UE_OVL_USER(OPAQUE)) || !strcmp(list + i, UE_OVL_TRUSTED(OPAQUE)) ||
		    !strcmp(list + i, UE_FUSE_OPAQUE) || !strcmp(list + i, UE_OVL_USER(REDIRECT)) ||
		    !strcmp(list + i, UE_OVL_TRUSTED(REDIRECT)))
			return marks_plain(dfd, name);
	return 1;
}

int ue_upper_dir_plain(const char *real)
{
	return ue_upper_dir_plain_at(AT_FDCWD, real);
}


/* ---- the kernel's redirect_dir and metacopy ----------------------------- */

long ue_redirect_read_at(int dfd, const char *name, char *buf, size_t size)
{
	long n = ue_xattr_get_at(dfd, name, UE_OVL_TRUSTED(REDIRECT), buf, size - 1);
	if (n < 0 && n != -ERANGE)
		n = ue_xattr_get_at(dfd, name, UE_OVL_USER(REDIRECT), buf, size - 1);
	if (n == -ERANGE)
		return -ENAMETOOLONG;
	if (n < 0)
		return 0;
	buf[n] = '\0';
	return n;
}

/* One listxattr: most files have no xattrs at all. */
int ue_is_metacopy_at(int dfd, const char *name)
{
	char list[1024];
	long n = ue_xattr_list_at(dfd, name, list, sizeof list);
	if (n == -ERANGE)  /* a long list: ask for the names */
		return has_either(dfd, name, UE_OVL_METACOPY);
	for (long i = 0; i < n; i += (long)strlen(list + i) + 1)
		if (!strcmp(list + i, UE_OVL_TRUSTED(METACOPY)) || !strcmp(list + i, UE_OVL_USER(METACOPY)))
			return 1;
	return 0;
}

/* Remove xattr name from real; a missing one is no error. */
static int drop(const char *real, const char *name)
{
	int r = sys_lremovexattr(real, name);
	return r == -ENODATA || r == -ENOTSUP ? 0 : r;
}

int ue_metacopy_clear(const char *real)
{
	int r = drop(real, UE_OVL_TRUSTED(METACOPY));
	return r < 0 ? r : drop(real, UE_OVL_USER(METACOPY));
}

int ue_redirect_clear(const char *real)
{
	int r = 0;
	if (sys_lgetxattr(real, UE_OVL_TRUSTED(REDIRECT), NULL, 0) >= 0 &&
	    (r = sys_lsetxattr(real, UE_OVL_TRUSTED(OPAQUE), "y", 1, 0)) == 0)
		r = drop(real, UE_OVL_TRUSTED(REDIRECT));
	return r < 0 ? r : drop(real, UE_OVL_USER(REDIRECT));
}
