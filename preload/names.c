/* The rest of libc's path entry points: fortified (_chk) forms, temporary
 * names, watches, handles, shared objects, chroot. */
#include "calls.h"
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
	return ue_call_realpath(path, out);
}

long readlink_chk_impl(int dirfd, const char *path, char *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		__chk_fail();
	return ue_call_readlinkat(dirfd, path, buf, n);
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

/* Hand-written (W_CUSTOM, HAND): -1 with errno untouched means "no
 * limit", which the -errno convention cannot carry; its path goes through
 * the pipeline all the same. */
UE_EXPORT long pathconf(const char *path, int name)
{
	struct ue_arg P;
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return LIBC(pathconf)(path, name);
	}
	int r = ue_arg_resolve(&P, AT_FDCWD, path, FOLLOW, NOEMPTY, READS);
	ue_leave();
	if (r < 0)
		return ue_done(r, saved);
	errno = saved;
	return LIBC(pathconf)(ue_arg_kpath(&P), name);
}

long inotify_add_watch_impl(int fd, struct ue_arg *P, uint32_t mask)
{
	return UE_ERR(LIBC(inotify_add_watch)(fd, ue_arg_kpath(P), mask));
}

/* A NULL path marks dirfd itself (NULLABLE). */
long fanotify_mark_impl(int fd, unsigned flags, uint64_t mask, struct ue_arg *P)
{
	return UE_ERR(LIBC(fanotify_mark)(fd, flags, mask, ue_arg_kfd(P), ue_arg_kpath(P)));
}

/* "" with AT_EMPTY_PATH: the handle of the fd's file (a read: as it is). */
long name_to_handle_at_impl(struct ue_arg *P, struct file_handle *h, int *mount_id, int fl)
{
	return UE_ERR(LIBC(name_to_handle_at)(ue_arg_kfd(P), ue_arg_kpath(P), h, mount_id, ue_arg_kflags(P, fl)));
}

/* The union cannot follow a program into another root: say so plainly. */
long chroot_impl(const char *path)
{
	static const char msg[] = "unionenv: chroot is not supported inside a union\n";
	if (write(2, msg, sizeof msg - 1) < 0)
		return -EPERM;
	return -EPERM;
}

/* A name without a slash is searched by the loader (LD_LIBRARY_PATH,
 * RUNPATH: SLASHED); a failed lookup leaves the loader to word the error
 * (TRIES). */
void *dlopen_impl(struct ue_arg *P, int mode, void *(*libc)(const char *, int))
{
	return libc(ue_arg_kpath(P), mode);
}

void *dlmopen_impl(Lmid_t lmid, struct ue_arg *P, int mode)
{
	return LIBC(dlmopen)(lmid, ue_arg_kpath(P), mode);
}

/* tmpfile(3): an unnamed file in P_tmpdir, which may be in the union. */
FILE *tmpfile_impl(void)
{
	long fd = ue_call_openat(AT_FDCWD, P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		char name[] = P_tmpdir "/tmpfXXXXXX";
		fd = mkstemp_impl(name, 0, O_CLOEXEC);
		if (fd < 0)
			return ue_fail(fd);
		ue_call_unlink(name);
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
		if (!cand[i] || ue_call_stat(cand[i], &st) < 0 || !S_ISDIR(st.st_mode) ||
		    ue_call_access(cand[i], W_OK | X_OK) < 0)
			continue;
		char *name;
		for (int tries = 0; tries < 100; tries++) {
			if (asprintf(&name, "%s/%.5sXXXXXX", cand[i], pfx ? pfx : "file") < 0)
				return ue_fail(-ENOMEM);
			char *x = strstr(name + strlen(cand[i]), "XXXXXX");
			for (int k = 0; k < 6; k++)
				x[k] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[random() % 62];
			if (ue_call_lstat(name, &st) == -ENOENT)
				return name;
			free(name);
		}
		return ue_fail(-EEXIST);
	}
	return ue_fail(-ENOENT);
}

/* catopen(3): a name with a slash is a path; others are looked up along
 * NLSPATH by libc itself (SLASHED).  (nl_catd)-1 and errno on failure. */
long catopen_impl(struct ue_arg *P, int flag)
{
	nl_catd c = LIBC(catopen)(ue_arg_kpath(P), flag);
	return c == (nl_catd)-1 ? -(long)errno : (long)c;
}

/* bindtextdomain(3): libc opens the catalogues below dirname itself, so
 * the directory is named by the layer that holds it (its top layer: the
 * catalogues of one domain do not merge).  NULL asks; a failed lookup
 * leaves the name as it is (NULLABLE, TRIES). */
char *bindtextdomain_impl(const char *domain, struct ue_arg *P)
{
	return UE_PASS_PTR(LIBC(bindtextdomain)(domain, P->p.where == UE_PASS ? P->path : P->p.real));
}

/* ftok(3) from the inode number the union reports, as glibc computes it. */
long ftok_impl(const char *path, int id)
{
	struct stat st;
	long r = ue_call_stat(path, &st);
	if (r < 0)
		return r;
	return (long)(key_t)((st.st_ino & 0xffff) | ((st.st_dev & 0xff) << 16) | (((unsigned)id & 0xff) << 24));
}

/* mktemp(3): a name that does not exist in the union; "" on failure. */
static long name_free(char *name, int unused)
{
	struct stat st;
	long r = ue_call_lstat(name, &st);
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

long open_tree_impl(struct ue_arg *P, unsigned flags)
{
	return UE_ERR(LIBC(open_tree)(ue_arg_kfd(P), ue_arg_kpath(P), (unsigned)ue_arg_kflags(P, (int)flags)));
}
