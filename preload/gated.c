/* The libc functions behind LIBC(), through the gate: under the supervisor's filter with
 * the preload kept (UNIONENV_SUPERVISE=preload, ue_gated), the libc
 * functions the implementations call on a real path (LIBC(statx),
 * LIBC(openat)...) and the wrappers' pass-through for a path outside the
 * union would enter the kernel from libc's code, where the filter notifies
 * them: each call the preload has served would be served a second time
 * by the supervisor (docs/design.md, "The gate").  These are the same calls
 * made from the gate's page instead, which the filter lets through; each is
 * one system call in glibc too, so nothing else changes.  realpath is
 * here too, made of a few gated calls (below).  A libc function that is
 * not here (fopen, opendir: several calls inside libc) stays libc's, and
 * its calls are the supervisor's to serve. */
#include "impl.h"
#include "gate.h"
#include "procfd.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

/* glibc's convention: -1 and errno, errno untouched on success. */
static long ret(long r)
{
	if ((unsigned long)r > -4096UL) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

#define G(type, name, params, ...) \
	static type g_##name params { return (type)ret(UE_SYSCALL(__VA_ARGS__)); }

static mode_t open_mode(int flags, va_list ap)
{
	return __OPEN_NEEDS_MODE(flags) ? va_arg(ap, mode_t) : 0;
}

static int g_open(const char *p, int fl, ...)
{
	va_list ap;
	va_start(ap, fl);
	mode_t m = open_mode(fl, ap);
	va_end(ap);
	return (int)ret(UE_SYSCALL(SYS_openat, AT_FDCWD, p, fl, m));
}

static int g_openat(int d, const char *p, int fl, ...)
{
	va_list ap;
	va_start(ap, fl);
	mode_t m = open_mode(fl, ap);
	va_end(ap);
	return (int)ret(UE_SYSCALL(SYS_openat, d, p, fl, m));
}

G(int, creat, (const char *p, mode_t m), SYS_openat, AT_FDCWD, p, O_CREAT | O_WRONLY | O_TRUNC, m)
G(int, stat, (const char *p, struct stat *st), SYS_newfstatat, AT_FDCWD, p, st, 0)
G(int, lstat, (const char *p, struct stat *st), SYS_newfstatat, AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW)
G(int, fstatat, (int d, const char *p, struct stat *st, int fl), SYS_newfstatat, d, p, st, fl)
G(int, fstat, (int fd, struct stat *st), SYS_fstat, fd, st)
G(int, statx, (int d, const char *p, int fl, unsigned m, struct statx *stx), SYS_statx, d, p, fl, m, stx)
G(int, access, (const char *p, int m), SYS_faccessat, AT_FDCWD, p, m)
G(ssize_t, readlink, (const char *p, char *b, size_t n), SYS_readlinkat, AT_FDCWD, p, b, n)
G(ssize_t, readlinkat, (int d, const char *p, char *b, size_t n), SYS_readlinkat, d, p, b, n)
G(int, mkdir, (const char *p, mode_t m), SYS_mkdirat, AT_FDCWD, p, m)
G(int, mkdirat, (int d, const char *p, mode_t m), SYS_mkdirat, d, p, m)
G(int, mknodat, (int d, const char *p, mode_t m, dev_t dev), SYS_mknodat, d, p, m, dev)
G(int, unlink, (const char *p), SYS_unlinkat, AT_FDCWD, p, 0)
G(int, unlinkat, (int d, const char *p, int fl), SYS_unlinkat, d, p, fl)
G(int, rmdir, (const char *p), SYS_unlinkat, AT_FDCWD, p, AT_REMOVEDIR)
G(int, rename, (const char *a, const char *b), SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 0)
G(int, renameat, (int ad, const char *a, int bd, const char *b), SYS_renameat2, ad, a, bd, b, 0)
G(int, renameat2, (int ad, const char *a, int bd, const char *b, unsigned fl), SYS_renameat2, ad, a, bd, b, fl)
G(int, symlink, (const char *t, const char *p), SYS_symlinkat, t, AT_FDCWD, p)
G(int, symlinkat, (const char *t, int d, const char *p), SYS_symlinkat, t, d, p)
G(int, link, (const char *a, const char *b), SYS_linkat, AT_FDCWD, a, AT_FDCWD, b, 0)
G(int, linkat, (int ad, const char *a, int bd, const char *b, int fl), SYS_linkat, ad, a, bd, b, fl)
G(int, chmod, (const char *p, mode_t m), SYS_fchmodat, AT_FDCWD, p, m)
G(int, fchmod, (int fd, mode_t m), SYS_fchmod, fd, m)
G(int, chown, (const char *p, uid_t u, gid_t g), SYS_fchownat, AT_FDCWD, p, u, g, 0)
G(int, lchown, (const char *p, uid_t u, gid_t g), SYS_fchownat, AT_FDCWD, p, u, g, AT_SYMLINK_NOFOLLOW)
G(int, fchownat, (int d, const char *p, uid_t u, gid_t g, int fl), SYS_fchownat, d, p, u, g, fl)
G(int, fchown, (int fd, uid_t u, gid_t g), SYS_fchown, fd, u, g)
G(int, utimensat, (int d, const char *p, const struct timespec t[2], int fl), SYS_utimensat, d, p, t, fl)
G(int, futimens, (int fd, const struct timespec t[2]), SYS_utimensat, fd, NULL, t, 0)
G(int, truncate, (const char *p, off_t len), SYS_truncate, p, len)
G(ssize_t, getxattr, (const char *p, const char *n, void *v, size_t s), SYS_getxattr, p, n, v, s)
G(ssize_t, lgetxattr, (const char *p, const char *n, void *v, size_t s), SYS_lgetxattr, p, n, v, s)
G(ssize_t, fgetxattr, (int fd, const char *n, void *v, size_t s), SYS_fgetxattr, fd, n, v, s)
G(ssize_t, listxattr, (const char *p, char *l, size_t s), SYS_listxattr, p, l, s)
G(ssize_t, llistxattr, (const char *p, char *l, size_t s), SYS_llistxattr, p, l, s)
G(ssize_t, flistxattr, (int fd, char *l, size_t s), SYS_flistxattr, fd, l, s)
G(int, setxattr, (const char *p, const char *n, const void *v, size_t s, int fl), SYS_setxattr, p, n, v, s, fl)
G(int, lsetxattr, (const char *p, const char *n, const void *v, size_t s, int fl), SYS_lsetxattr, p, n, v, s, fl)
G(int, fsetxattr, (int fd, const char *n, const void *v, size_t s, int fl), SYS_fsetxattr, fd, n, v, s, fl)
G(int, removexattr, (const char *p, const char *n), SYS_removexattr, p, n)
G(int, lremovexattr, (const char *p, const char *n), SYS_lremovexattr, p, n)
G(int, fremovexattr, (int fd, const char *n), SYS_fremovexattr, fd, n)
G(ssize_t, getdents64, (int fd, void *b, size_t n), SYS_getdents64, fd, b, n)
G(int, chdir, (const char *p), SYS_chdir, p)
G(int, fchdir, (int fd), SYS_fchdir, fd)
G(int, statfs, (const char *p, struct statfs *b), SYS_statfs, p, b)
G(int, inotify_add_watch, (int fd, const char *p, uint32_t m), SYS_inotify_add_watch, fd, p, m)

/* ioctl's third argument, an int or a pointer, as glibc's ioctl takes it */
static int g_ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return (int)ret(UE_SYSCALL(SYS_ioctl, fd, cmd, arg));
}

/* glibc's faccessat with flags is faccessat2; without, the old call (also
 * what a kernel before 5.8 has). */
static int g_faccessat(int d, const char *p, int m, int fl)
{
	return (int)ret(fl ? UE_SYSCALL(SYS_faccessat2, d, p, m, fl) : UE_SYSCALL(SYS_faccessat, d, p, m));
}

/* likewise fchmodat with flags (AT_SYMLINK_NOFOLLOW) is fchmodat2 (6.6) */
static int g_fchmodat(int d, const char *p, mode_t m, int fl)
{
	return (int)ret(fl ? UE_SYSCALL(452 /* fchmodat2 */, d, p, m, fl) : UE_SYSCALL(SYS_fchmodat, d, p, m));
}

/* glibc's realpath reads every component's link: a compiler's lookups of
 * its headers are hundreds of readlinks a compile, each a round trip to
 * the supervisor from inside libc.  The kernel resolves the whole name in
 * one open instead, and names what it found (/proc/self/fd); that name is
 * taken only when it is absolute and is the very file that was opened
 * (a file removed meanwhile is named "... (deleted)", a pipe "pipe:[N]"),
 * else libc's realpath answers, as it would have. */
static char *libc_realpath(const char *p, char *out)
{
	static char *(*_Atomic fn)(const char *, char *);
	if (!fn)
		fn = (char *(*)(const char *, char *))dlsym(RTLD_NEXT, "realpath");
	return fn ? fn(p, out) : NULL;
}

static char *g_realpath(const char *p, char *out)
{
	char link[UE_PROC_FD_SIZE], name[PATH_MAX];
	struct stat opened, named;
	if (!p || !*p)
		return libc_realpath(p, out);  /* EINVAL, ENOENT */
	long fd = UE_SYSCALL(SYS_openat, AT_FDCWD, p, O_PATH | O_CLOEXEC, 0);
	if (fd < 0) {
		errno = (int)-fd;
		return NULL;
	}
	ue_proc_fd(link, sizeof link, fd, NULL);
	long n = UE_SYSCALL(SYS_readlinkat, AT_FDCWD, link, name, sizeof name);
	int same = n > 0 && n < (long)sizeof name && name[0] == '/';
	if (same) {
		name[n] = '\0';
		same = UE_SYSCALL(SYS_newfstatat, fd, "", &opened, AT_EMPTY_PATH) == 0 &&
		       UE_SYSCALL(SYS_newfstatat, AT_FDCWD, name, &named, 0) == 0 &&
		       opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
	}
	UE_SYSCALL(SYS_close, fd);
	if (!same)
		return libc_realpath(p, out);
	if (!out)
		return strdup(name);
	return memcpy(out, name, (size_t)n + 1);
}

void *ue_gated_fn(enum ue_fn fn)
{
	switch (fn) {
#define SAME(name) case UE_FN_##name: return (void *)g_##name;
#define AS(name, as) case UE_FN_##name: return (void *)g_##as;
	SAME(open) AS(open64, open) AS(__open, open) AS(__open64, open)
	SAME(openat) AS(openat64, openat) SAME(creat) AS(creat64, creat)
	SAME(stat) AS(stat64, stat) SAME(lstat) AS(lstat64, lstat) SAME(fstatat) AS(fstatat64, fstatat)
	SAME(fstat) AS(fstat64, fstat) SAME(statx) SAME(access) SAME(faccessat)
	SAME(readlink) SAME(readlinkat) SAME(mkdir) SAME(mkdirat) SAME(mknodat)
	SAME(unlink) SAME(unlinkat) SAME(rmdir) SAME(rename) SAME(renameat) SAME(renameat2)
	SAME(symlink) SAME(symlinkat) SAME(link) SAME(linkat)
	SAME(chmod) SAME(fchmodat) SAME(fchmod) SAME(chown) SAME(lchown) SAME(fchownat) SAME(fchown)
	SAME(utimensat) SAME(futimens) SAME(truncate) AS(truncate64, truncate)
	SAME(getxattr) SAME(lgetxattr) SAME(fgetxattr) SAME(listxattr) SAME(llistxattr) SAME(flistxattr)
	SAME(setxattr) SAME(lsetxattr) SAME(fsetxattr) SAME(removexattr) SAME(lremovexattr) SAME(fremovexattr)
	SAME(getdents64) SAME(chdir) SAME(fchdir) SAME(statfs) AS(statfs64, statfs) SAME(inotify_add_watch)
	SAME(ioctl) SAME(realpath)
#undef SAME
#undef AS
	default:
		return NULL;
	}
}
