/* syscall(3): a program's raw system calls made through glibc's syscall()
 * function, served in the union like the libc calls of the same name.
 *
 * node's libuv calls syscall(__NR_statx, ...) for every fs.stat, and
 * syscall(__NR_io_uring_setup, ...) when asked to; neither reaches a libc
 * function the preload wraps, so node saw the lowers' sizes and names
 * after its own writes (issue 11).  A dynamically linked program that
 * makes its raw calls through syscall() calls it through the PLT, so this
 * one export follows all of them: each path call is given to the
 * implementation behind the libc function of the same call (statx to
 * statx_impl, SYS_open to open_impl...), the calls whose work the union
 * cannot see (io_uring, which carries paths and writes in shared rings;
 * the 32-bit getdents; the *xattrat calls) answer ENOSYS in a union, as
 * the supervisor's filter answers them, and every other number goes to the
 * kernel through the gate (core/gate.h) exactly as glibc's syscall() would
 * (-1 and errno).  A raw `syscall` instruction inlined in a program is not
 * seen here: docs/design.md, "Raw system calls", says what follows those. */
#include "lowerdirs.h"
#include "calls.h"
#include "impl.h"
#include "gate.h"
#include "inodeioctl.h"
#include "trace.h"

#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif
#ifndef __NR_faccessat2
#define __NR_faccessat2 439
#endif
#ifndef __NR_setxattrat
#define __NR_setxattrat 463
#define __NR_getxattrat 464
#define __NR_listxattrat 465
#define __NR_removexattrat 466
#endif

#define A(i, type) ((type)a[i])
#define PATH(i) A(i, const char *)
#define FD(i) A(i, int)

/* The kernel's own answer, as glibc's syscall() gives it. */
static long kernel(long nr, const long a[6])
{
	long r = ue_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if ((unsigned long)r > -4096UL) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static long getcwd_len(char *buf, size_t n)
{
	ue_err = 0;
	char *r = getcwd_impl(buf, n);
	return r ? (long)strlen(buf) + 1 : -(long)(ue_err ? ue_err : ERANGE);
}

/* openat2 without RESOLVE_* flags is openat; with them, the kernel's walk
 * would be bounded where the union has none to bound: ENOSYS, and the
 * program falls back to openat (as on kernels before 5.6). */
static long openat2_served(int dirfd, const char *path, const struct open_how *how, size_t size)
{
	if (size < sizeof *how)
		return -EINVAL;
	if (how->resolve)
		return -ENOSYS;
	return ue_call_openat(dirfd, path, (int)how->flags, (mode_t)how->mode);
}

/* The kernel's utimensat takes a NULL path for the fd itself (futimens). */
static long utimensat_served(int dirfd, const char *path, const struct timespec *t, int fl)
{
	return path ? ue_call_utimensat(dirfd, path, t, fl) : futimens_impl(dirfd, t);
}

/* The path calls: each number, and the implementation that serves it (a
 * value or -errno). */
#define PATH_CALLS(X) \
	X(open, ue_call_openat(AT_FDCWD, PATH(0), A(1, int), A(2, mode_t))) \
	X(openat, ue_call_openat(FD(0), PATH(1), A(2, int), A(3, mode_t))) \
	X(creat, ue_call_creat(PATH(0), A(1, mode_t))) \
	X(openat2, openat2_served(FD(0), PATH(1), A(2, const struct open_how *), A(3, size_t))) \
	X(stat, ue_call_stat(PATH(0), A(1, struct stat *))) \
	X(lstat, ue_call_lstat(PATH(0), A(1, struct stat *))) \
	X(fstat, fstat_impl(FD(0), A(1, struct stat *))) \
	X(newfstatat, ue_call_fstatat(FD(0), PATH(1), A(2, struct stat *), A(3, int))) \
	X(statx, ue_call_statx(FD(0), PATH(1), A(2, int), A(3, unsigned), A(4, struct statx *))) \
	X(access, ue_call_access(PATH(0), A(1, int))) \
	X(faccessat, ue_call_faccessat(FD(0), PATH(1), A(2, int), 0)) \
	X(faccessat2, ue_call_faccessat(FD(0), PATH(1), A(2, int), A(3, int))) \
	X(readlink, ue_call_readlink(PATH(0), A(1, char *), A(2, size_t))) \
	X(readlinkat, ue_call_readlinkat(FD(0), PATH(1), A(2, char *), A(3, size_t))) \
	X(statfs, ue_call_statfs(PATH(0), A(1, struct statfs *))) \
	X(getxattr, ue_call_getxattr(PATH(0), PATH(1), A(2, void *), A(3, size_t))) \
	X(lgetxattr, ue_call_lgetxattr(PATH(0), PATH(1), A(2, void *), A(3, size_t))) \
	X(fgetxattr, fgetxattr_impl(FD(0), PATH(1), A(2, void *), A(3, size_t))) \
	X(listxattr, ue_call_listxattr(PATH(0), A(1, char *), A(2, size_t))) \
	X(llistxattr, ue_call_llistxattr(PATH(0), A(1, char *), A(2, size_t))) \
	X(flistxattr, flistxattr_impl(FD(0), A(1, char *), A(2, size_t))) \
	X(mkdir, ue_call_mkdir(PATH(0), A(1, mode_t))) \
	X(mkdirat, ue_call_mkdirat(FD(0), PATH(1), A(2, mode_t))) \
	X(mknod, ue_call_mknod(PATH(0), A(1, mode_t), A(2, dev_t))) \
	X(mknodat, ue_call_mknodat(FD(0), PATH(1), A(2, mode_t), A(3, dev_t))) \
	X(symlink, symlink_impl(PATH(0), AT_FDCWD, PATH(1))) \
	X(symlinkat, symlink_impl(PATH(0), FD(1), PATH(2))) \
	X(link, ue_call_link(PATH(0), PATH(1))) \
	X(linkat, ue_call_linkat(FD(0), PATH(1), FD(2), PATH(3), A(4, int))) \
	X(unlink, ue_call_unlink(PATH(0))) \
	X(rmdir, ue_call_rmdir(PATH(0))) \
	X(unlinkat, ue_call_unlinkat(FD(0), PATH(1), A(2, int))) \
	X(rename, ue_call_rename(PATH(0), PATH(1))) \
	X(renameat, ue_call_renameat(FD(0), PATH(1), FD(2), PATH(3))) \
	X(renameat2, ue_call_renameat2(FD(0), PATH(1), FD(2), PATH(3), A(4, unsigned))) \
	X(chmod, ue_call_chmod(PATH(0), A(1, mode_t))) \
	X(fchmodat, ue_call_fchmodat(FD(0), PATH(1), A(2, mode_t), 0)) \
	X(fchmodat2, ue_call_fchmodat(FD(0), PATH(1), A(2, mode_t), A(3, int))) \
	X(fchmod, fchmod_impl(FD(0), A(1, mode_t))) \
	X(chown, ue_call_chown(PATH(0), A(1, uid_t), A(2, gid_t))) \
	X(lchown, ue_call_lchown(PATH(0), A(1, uid_t), A(2, gid_t))) \
	X(fchownat, ue_call_fchownat(FD(0), PATH(1), A(2, uid_t), A(3, gid_t), A(4, int))) \
	X(fchown, fchown_impl(FD(0), A(1, uid_t), A(2, gid_t))) \
	X(utime, utime_impl(PATH(0), A(1, const struct utimbuf *))) \
	X(utimes, ue_call_utimes(PATH(0), A(1, const struct timeval *))) \
	X(futimesat, ue_call_futimesat(FD(0), PATH(1), A(2, const struct timeval *))) \
	X(utimensat, utimensat_served(FD(0), PATH(1), A(2, const struct timespec *), A(3, int))) \
	X(truncate, ue_call_truncate(PATH(0), A(1, off_t))) \
	X(setxattr, ue_call_setxattr(PATH(0), PATH(1), A(2, const void *), A(3, size_t), A(4, int))) \
	X(lsetxattr, ue_call_lsetxattr(PATH(0), PATH(1), A(2, const void *), A(3, size_t), A(4, int))) \
	X(fsetxattr, fsetxattr_impl(FD(0), PATH(1), A(2, const void *), A(3, size_t), A(4, int))) \
	X(removexattr, ue_call_removexattr(PATH(0), PATH(1))) \
	X(lremovexattr, ue_call_lremovexattr(PATH(0), PATH(1))) \
	X(fremovexattr, fsetxattr_impl(FD(0), PATH(1), NULL, 0, 0)) \
	X(getdents64, getdents64_impl(FD(0), A(1, void *), A(2, size_t))) \
	X(getcwd, getcwd_len(A(0, char *), A(1, size_t))) \
	X(chdir, ue_call_chdir(PATH(0))) \
	X(fchdir, fchdir_impl(FD(0))) \
	X(chroot, chroot_impl(PATH(0))) \
	X(execve, ue_call_execve(PATH(0), A(1, char *const *), A(2, char *const *))) \
	X(execveat, ue_call_execveat(FD(0), PATH(1), A(2, char *const *), A(3, char *const *), A(4, int))) \
	X(bind, bind_impl(FD(0), A(1, const struct sockaddr *), A(2, socklen_t))) \
	X(connect, connect_impl(FD(0), A(1, const struct sockaddr *), A(2, socklen_t))) \
	X(inotify_add_watch, ue_call_inotify_add_watch(FD(0), PATH(1), A(2, uint32_t))) \
	X(fanotify_mark, ue_call_fanotify_mark(FD(0), A(1, unsigned), A(2, uint64_t), FD(3), PATH(4))) \
	X(name_to_handle_at, ue_call_name_to_handle_at(FD(0), PATH(1), A(2, struct file_handle *), A(3, int *), A(4, int))) \
	X(open_tree, ue_call_open_tree(FD(0), PATH(1), A(2, unsigned))) \
	X(ioctl, inode_ioctl_impl(FD(0), A(1, unsigned long), A(2, void *))) \
	/* what the union cannot see: refused as the supervisor's filter does */ \
	X(io_uring_setup, -ENOSYS) \
	X(getdents, -ENOSYS) \
	X(setxattrat, -ENOSYS) \
	X(getxattrat, -ENOSYS) \
	X(listxattrat, -ENOSYS) \
	X(removexattrat, -ENOSYS)

/* The trace's name of a path call, NULL for any other number: futex,
 * gettid, getrandom (the hot ones) go to the kernel without entering. */
static const char *path_call(long nr)
{
#define NAME(n, call) case __NR_##n: return "syscall:" #n;
	switch (nr) {
	PATH_CALLS(NAME)
	default:
		return NULL;
	}
#undef NAME
}

static long served(long nr, const long a[6])
{
#define SERVE(n, call) case __NR_##n: return (long)(call);
	switch (nr) {
	PATH_CALLS(SERVE)
	default:
		return -ENOSYS;  /* not reached: path_call said it is one */
	}
#undef SERVE
}

/* The calls that end or copy an fd keep the tables of fds right, and those
 * that change credentials say so, as the libc functions of the same name
 * do (fdio.c, creds.c). */
static long fd_call(long nr, const long a[6])
{
	if (nr == __NR_close)
		ue_fd_closed((int)a[0]);
	else if ((nr == __NR_dup2 || nr == __NR_dup3) && a[0] != a[1])
		ue_lowerdirs_forget((int)a[1]);
	else if (nr == __NR_close_range && !(a[2] & CLOSE_RANGE_CLOEXEC))
		ue_lowerdirs_forget_range((unsigned)a[0], (unsigned)a[1]);
	long r = kernel(nr, a);
	if (r < 0)
		return r;
	switch (nr) {
	case __NR_setuid: case __NR_setgid: case __NR_setreuid: case __NR_setregid:
	case __NR_setresuid: case __NR_setresgid: case __NR_setgroups:
		ue_creds_changed();
		break;
	case __NR_dup: ue_fd_duped((int)a[0], (int)r); break;
	case __NR_dup2: case __NR_dup3: ue_fd_duped((int)a[0], (int)a[1]); break;
	case __NR_fcntl:
		if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC)
			ue_fd_duped((int)a[0], (int)r);
		break;
	case __NR_close_range:
		if (!(a[2] & CLOSE_RANGE_CLOEXEC))
			ue_fd_range_closed((unsigned)a[0], (unsigned)a[1]);
		break;
	}
	return r;
}

UE_EXPORT long syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	/* ioctl: only the commands that change an inode (inodeioctl.h) */
	const char *name = nr != __NR_ioctl || ue_inode_ioctl((unsigned long)a[1]) ? path_call(nr) : NULL;
	if (!name)
		return fd_call(nr, a);
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return kernel(nr, a);
	}
	if (ue_trace_on)
		ue_trace_begin(name);
	long r = served(nr, a);
	if (ue_trace_on)
		ue_trace_end(r, 0, 0);
	ue_leave();
	return ue_done(r, saved);
}
