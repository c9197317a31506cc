/* The rest of libc's path entry points: fortified (_chk) forms, temporary
 * names, watches, handles, shared objects, chroot. */
#include "impl.h"
#include "layerpath.h"
#include "ops.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/fanotify.h>
#include <nl_types.h>
#include <sys/ipc.h>
#include <libintl.h>
#include "path.h"
#include "markers.h"

extern void __chk_fail(void) __attribute__((noreturn));

/* The fortified forms check the buffer, then are the plain function. */
char *realpath_chk_impl(const char *path, char *out, size_t outlen)
{
	if (out && outlen < PATH_MAX)
		__chk_fail();
	return realpath_impl(path, out);
}

long readlink_chk_impl(int dirfd, const char *path, char *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return readlink_impl(dirfd, path, buf, n);
}

char *getcwd_chk_impl(char *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return getcwd_impl(buf, n);
}

/* getwd(3): PATH_MAX bytes, and a message in buf on failure. */
char *getwd_impl(char *buf)
{
	if (!buf)
		return ue_fail(-EINVAL);
	char *r = getcwd_impl(buf, PATH_MAX);
	if (!r)
		snprintf(buf, PATH_MAX, "%s", strerror(ue_err));
	return r;
}

/* -1 with errno untouched means "no limit": not the -errno convention. */
UE_EXPORT long pathconf(const char *path, int name)
{
	struct ue_path p;
	if (!ue_enter()) {
		ue_leave();
		return LIBC(pathconf)(path, name);
	}
	int saved = errno;
	int r = ue_resolve_as(ue_for(), AT_FDCWD, path, UE_FOLLOW, &p);
	ue_leave();
	if (r == 0 && p.where == UE_UNION && !ue_node_exists(&p.node))
		r = -ENOENT;
	if (r < 0) {
		errno = -r;
		return -1;
	}
	errno = saved;
	return LIBC(pathconf)(ue_kpath(&p, path), name);
}

long inotify_add_watch_impl(int fd, const char *path, uint32_t mask)
{
	struct ue_path p;
	int r = ue_resolve_as(ue_for(), AT_FDCWD, path, (mask & IN_DONT_FOLLOW) ? 0 : UE_FOLLOW, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION && !ue_node_exists(&p.node))
		return -ENOENT;
	return UE_ERR(LIBC(inotify_add_watch)(fd, ue_kpath(&p, path), mask));
}

long fanotify_mark_impl(int fd, unsigned flags, uint64_t mask, int dirfd, const char *path)
{
	struct ue_path p;
	if (!path)
		return UE_ERR(LIBC(fanotify_mark)(fd, flags, mask, dirfd, path));
	int r = ue_resolve_as(ue_for(), dirfd, path, (flags & FAN_MARK_DONT_FOLLOW) ? 0 : UE_FOLLOW, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION && !ue_node_exists(&p.node))
		return -ENOENT;
	return UE_ERR(LIBC(fanotify_mark)(fd, flags, mask, ue_kfd(&p, dirfd), ue_kpath(&p, path)));
}

long name_to_handle_at_impl(int dirfd, const char *path, struct file_handle *h, int *mount_id, int fl)
{
	struct ue_path p;
	int r = ue_resolve_as(ue_for(), dirfd, path, (fl & AT_SYMLINK_FOLLOW) ? UE_FOLLOW : 0, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION && !ue_node_exists(&p.node))
		return -ENOENT;
	return UE_ERR(LIBC(name_to_handle_at)(ue_kfd(&p, dirfd), ue_kpath(&p, path), h, mount_id, fl));
}

/* The union cannot follow a program into another root: say so plainly. */
long chroot_impl(const char *path)
{
	static const char msg[] = "unionenv: chroot is not supported inside a union\n";
	if (write(2, msg, sizeof msg - 1) < 0)
		return -EPERM;
	return -EPERM;
}

void *dlopen_impl(const char *file, int mode, void *(*libc)(const char *, int))
{
	struct ue_path p;
	if (!file || !strchr(file, '/'))
		return libc(file, mode);  /* searched by the loader: LD_LIBRARY_PATH, RUNPATH */
	int r = ue_resolve_as(ue_for(), AT_FDCWD, file, UE_FOLLOW, &p);
	if (r < 0 || (p.where == UE_UNION && !ue_node_exists(&p.node)))
		return libc(file, mode);  /* let the loader word the error */
	return libc(ue_kpath(&p, file), mode);
}

void *dlmopen_impl(Lmid_t lmid, const char *file, int mode)
{
	struct ue_path p;
	if (!file || !strchr(file, '/') || ue_resolve_as(ue_for(), AT_FDCWD, file, UE_FOLLOW, &p) < 0 ||
	    (p.where == UE_UNION && !ue_node_exists(&p.node)))
		return LIBC(dlmopen)(lmid, file, mode);
	return LIBC(dlmopen)(lmid, ue_kpath(&p, file), mode);
}

/* tmpfile(3): an unnamed file in P_tmpdir, which may be in the union. */
FILE *tmpfile_impl(void)
{
	long fd = open_impl(AT_FDCWD, P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		char name[] = P_tmpdir "/tmpfXXXXXX";
		fd = mkstemp_impl(name, 0, O_CLOEXEC);
		if (fd < 0)
			return ue_fail(fd);
		unlink_impl(AT_FDCWD, name, 0);
	}
	FILE *f = fdopen((int)fd, "w+");
	if (!f) {
		ue_err = errno;
		close((int)fd);
	}
	return f;
}

/* tempnam(3): TMPDIR, then dir, then P_tmpdir, then /tmp, the first that
 * is a writable directory, looked at in union terms. */
char *tempnam_impl(const char *dir, const char *pfx)
{
	const char *cand[] = { secure_getenv("TMPDIR"), dir, P_tmpdir, "/tmp" };
	for (size_t i = 0; i < sizeof cand / sizeof *cand; i++) {
		struct stat st;
		if (!cand[i] || stat_impl(AT_FDCWD, cand[i], &st, 0) < 0 || !S_ISDIR(st.st_mode) ||
		    access_impl(AT_FDCWD, cand[i], W_OK | X_OK, 0) < 0)
			continue;
		char *name;
		for (int tries = 0; tries < 100; tries++) {
			if (asprintf(&name, "%s/%.5sXXXXXX", cand[i], pfx ? pfx : "file") < 0)
				return ue_fail(-ENOMEM);
			char *x = strstr(name + strlen(cand[i]), "XXXXXX");
			for (int k = 0; k < 6; k++)
				x[k] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[random() % 62];
			if (stat_impl(AT_FDCWD, name, &st, AT_SYMLINK_NOFOLLOW) == -ENOENT)
				return name;
			free(name);
		}
		return ue_fail(-EEXIST);
	}
	return ue_fail(-ENOENT);
}

/* catopen(3): a name with a slash is a path; others are looked up along
 * NLSPATH by libc itself. */
UE_EXPORT nl_catd catopen(const char *name, int flag)
{
	struct ue_path p;
	if (!ue_enter() || !strchr(name, '/')) {
		ue_leave();
		return LIBC(catopen)(name, flag);
	}
	int r = ue_resolve_as(ue_for(), AT_FDCWD, name, UE_FOLLOW, &p);
	ue_leave();
	if (r < 0 || (p.where == UE_UNION && !ue_node_exists(&p.node))) {
		errno = r < 0 ? -r : ENOENT;
		return (nl_catd)-1;
	}
	return LIBC(catopen)(ue_kpath(&p, name), flag);
}

/* bindtextdomain(3): libc opens the catalogues below dirname itself, so
 * the directory is named by the layer that holds it (its top layer: the
 * catalogues of one domain do not merge). */
char *bindtextdomain_impl(const char *domain, const char *dirname)
{
	struct ue_path p;
	if (!dirname || ue_resolve_as(ue_for(), AT_FDCWD, dirname, UE_FOLLOW, &p) < 0 || p.where == UE_PASS ||
	    (p.where == UE_UNION && !ue_node_exists(&p.node)))
		return UE_PASS_PTR(LIBC(bindtextdomain)(domain, dirname));
	return UE_PASS_PTR(LIBC(bindtextdomain)(domain, p.real));
}

/* ftok(3) from the inode number the union reports, as glibc computes it. */
long ftok_impl(const char *path, int id)
{
	struct stat st;
	long r = stat_impl(AT_FDCWD, path, &st, 0);
	if (r < 0)
		return r;
	return (long)(key_t)((st.st_ino & 0xffff) | ((st.st_dev & 0xff) << 16) | (((unsigned)id & 0xff) << 24));
}

/* mktemp(3): a name that does not exist in the union; "" on failure. */
static long name_free(char *name, int unused)
{
	struct stat st;
	long r = stat_impl(AT_FDCWD, name, &st, AT_SYMLINK_NOFOLLOW);
	return r == -ENOENT ? 0 : r == 0 ? -EEXIST : r;
}

char *mktemp_impl(char *tmpl)
{
	long r = gen_tempname_with(tmpl, 0, name_free, 0);
	if (r < 0) {
		tmpl[0] = '\0';
		ue_err = (int)-r;
	}
	return tmpl;
}

/* getdirentries(3): getdents64 with the position before the read. */
long getdirentries_impl(int fd, char *buf, size_t n, off64_t *basep)
{
	off64_t base = lseek64(fd, 0, SEEK_CUR);
	long r = getdents64_impl(fd, buf, n);
	if (r >= 0 && basep)
		*basep = base;
	return r;
}

/* Whether fd is open on something in one of the layers. */
static int fd_in_union(int fd)
{
	char v[UE_PATH_MAX];
	return ue_fd_vpath(fd, v, sizeof v) == 0 && ue_path_under(v, ue_cfg.mount, ue_cfg.mount_len);
}

long fgetxattr_impl(int fd, const char *name, void *v, size_t n)
{
	if (ue_xattr_is_marker(name) && fd_in_union(fd))
		return -ENODATA;
	return UE_ERR(LIBC(fgetxattr)(fd, name, v, n));
}

long flistxattr_impl(int fd, char *list, size_t n)
{
	long len = UE_ERR(LIBC(flistxattr)(fd, list, n));
	if (len <= 0 || n == 0 || !fd_in_union(fd))
		return len;
	return ue_xattr_drop_markers(list, len);
}

long open_tree_impl(int dirfd, const char *path, unsigned flags)
{
	struct ue_path p;
	int r = ue_resolve_as(ue_for(), dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : UE_FOLLOW, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION && !ue_node_exists(&p.node))
		return -ENOENT;
	return UE_ERR(LIBC(open_tree)(ue_kfd(&p, dirfd), ue_kpath(&p, path), flags));
}
