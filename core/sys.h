/* Raw system calls for the core.
 *
 * The core lives inside the preloaded library, which exports symbols named
 * lstat, openat, rename... and syscall itself: a plain call to one of those
 * from here would land in our own wrapper.  Every kernel call of the core
 * therefore goes through the system-call gate (core/gate.h) and returns
 * -errno on failure; errno is not touched. */
#ifndef UE_SYS_H
#define UE_SYS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>     /* RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gate.h"
#include "longpath.h"

/* A record of getdents64(2). */
struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define UE_SYS(...) UE_SYSCALL(__VA_ARGS__)

static inline int sys_close(int fd) { return (int)UE_SYS(SYS_close, fd); }

/* A path too long for one argument goes to the kernel as a directory fd and
 * the rest of the name (core/longpath.h); every other path as it is.  The
 * enclosing function returns the call's result. */
#define UE_AT(dfd, p, call)                                                     \
	do {                                                                    \
		if (ue_path_long(p)) {                                          \
			int opened_;                                            \
			long r_ = ue_long_walk(&(dfd), &(p), &opened_);         \
			if (r_ == 0) {                                          \
				r_ = (call);                                    \
				if (opened_ >= 0)                               \
					sys_close(opened_);                     \
			}                                                       \
			return r_;                                              \
		}                                                               \
		return (call);                                                  \
	} while (0)

/* The same for a call that takes no directory fd: the rest is named
 * through /proc/self/fd. */
#define UE_PROC(p, call)                                                        \
	do {                                                                    \
		if (ue_path_long(p)) {                                          \
			char name_[PATH_MAX];                                   \
			int opened_;                                            \
			long r_ = ue_long_proc(&(p), name_, sizeof name_, &opened_); \
			if (r_ == 0) {                                          \
				r_ = (call);                                    \
				sys_close(opened_);                             \
			}                                                       \
			return r_;                                              \
		}                                                               \
		return (call);                                                  \
	} while (0)

static inline int sys_fstatat(int dfd, const char *p, struct stat *st, int fl)
{ UE_AT(dfd, p, (int)UE_SYS(SYS_newfstatat, dfd, p, st, fl)); }
static inline int sys_lstat(const char *p, struct stat *st)
{ return sys_fstatat(AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW); }
static inline int sys_statx(int dfd, const char *p, int fl, unsigned mask, struct statx *stx)
{ UE_AT(dfd, p, (int)UE_SYS(SYS_statx, dfd, p, fl, mask, stx)); }
static inline int sys_fstat(int fd, struct stat *st)
{ return (int)UE_SYS(SYS_fstat, fd, st); }
static inline int sys_openat(int dfd, const char *p, int fl, mode_t m)
{ UE_AT(dfd, p, (int)UE_SYS(SYS_openat, dfd, p, fl, m)); }
static inline long sys_read(int fd, void *b, size_t n) { return UE_SYS(SYS_read, fd, b, n); }
static inline long sys_write(int fd, const void *b, size_t n) { return UE_SYS(SYS_write, fd, b, n); }
static inline long sys_pread(int fd, void *b, size_t n, off_t o) { return UE_SYS(SYS_pread64, fd, b, n, o); }
static inline long sys_lseek(int fd, off_t o, int wh) { return UE_SYS(SYS_lseek, fd, o, wh); }
static inline long sys_getdents64(int fd, void *b, size_t n) { return UE_SYS(SYS_getdents64, fd, b, n); }
static inline long sys_readlinkat(int dfd, const char *p, char *b, size_t n)
{ UE_AT(dfd, p, UE_SYS(SYS_readlinkat, dfd, p, b, n)); }
static inline int sys_mkdirat(int dfd, const char *p, mode_t m) { UE_AT(dfd, p, (int)UE_SYS(SYS_mkdirat, dfd, p, m)); }
static inline int sys_mknodat(int dfd, const char *p, mode_t m, dev_t d)
{ UE_AT(dfd, p, (int)UE_SYS(SYS_mknodat, dfd, p, m, d)); }
static inline int sys_unlinkat(int dfd, const char *p, int fl) { UE_AT(dfd, p, (int)UE_SYS(SYS_unlinkat, dfd, p, fl)); }
static inline int sys_renameat2_(int ofd, const char *o, int nfd, const char *n, unsigned fl)
{ UE_AT(nfd, n, (int)UE_SYS(SYS_renameat2, ofd, o, nfd, n, fl)); }
static inline int sys_renameat2(int ofd, const char *o, int nfd, const char *n, unsigned fl)
{ UE_AT(ofd, o, sys_renameat2_(ofd, o, nfd, n, fl)); }
static inline int sys_linkat_(int ofd, const char *o, int nfd, const char *n, int fl)
{ UE_AT(nfd, n, (int)UE_SYS(SYS_linkat, ofd, o, nfd, n, fl)); }
static inline int sys_linkat(int ofd, const char *o, int nfd, const char *n, int fl)
{ UE_AT(ofd, o, sys_linkat_(ofd, o, nfd, n, fl)); }
static inline int sys_symlinkat(const char *t, int dfd, const char *p)
{ UE_AT(dfd, p, (int)UE_SYS(SYS_symlinkat, t, dfd, p)); }
static inline int sys_fchmod(int fd, mode_t m) { return (int)UE_SYS(SYS_fchmod, fd, m); }
static inline int sys_fchmodat(int dfd, const char *p, mode_t m) { UE_AT(dfd, p, (int)UE_SYS(SYS_fchmodat, dfd, p, m)); }
static inline int sys_fchown(int fd, uid_t u, gid_t g) { return (int)UE_SYS(SYS_fchown, fd, u, g); }
static inline int sys_fchownat(int dfd, const char *p, uid_t u, gid_t g, int fl)
{ UE_AT(dfd, p, (int)UE_SYS(SYS_fchownat, dfd, p, u, g, fl)); }
static inline int sys_utimensat(int dfd, const char *p, const struct timespec *t, int fl)
{ UE_AT(dfd, p, (int)UE_SYS(SYS_utimensat, dfd, p, t, fl)); }
static inline int sys_ftruncate(int fd, off_t len) { return (int)UE_SYS(SYS_ftruncate, fd, len); }
static inline long sys_lgetxattr(const char *p, const char *n, void *v, size_t s)
{ UE_PROC(p, UE_SYS(SYS_lgetxattr, p, n, v, s)); }
static inline long sys_getxattr(const char *p, const char *n, void *v, size_t s)
{ UE_PROC(p, UE_SYS(SYS_getxattr, p, n, v, s)); }
static inline long sys_fgetxattr(int fd, const char *n, void *v, size_t s)
{ return UE_SYS(SYS_fgetxattr, fd, n, v, s); }
static inline long sys_llistxattr(const char *p, char *l, size_t s) { UE_PROC(p, UE_SYS(SYS_llistxattr, p, l, s)); }
static inline int sys_lsetxattr(const char *p, const char *n, const void *v, size_t s, int fl)
{ UE_PROC(p, (int)UE_SYS(SYS_lsetxattr, p, n, v, s, fl)); }
static inline int sys_setxattr(const char *p, const char *n, const void *v, size_t s, int fl)
{ UE_PROC(p, (int)UE_SYS(SYS_setxattr, p, n, v, s, fl)); }
static inline int sys_fsetxattr(int fd, const char *n, const void *v, size_t s, int fl)
{ return (int)UE_SYS(SYS_fsetxattr, fd, n, v, s, fl); }
static inline int sys_lremovexattr(const char *p, const char *n) { UE_PROC(p, (int)UE_SYS(SYS_lremovexattr, p, n)); }
static inline int sys_removexattr(const char *p, const char *n) { UE_PROC(p, (int)UE_SYS(SYS_removexattr, p, n)); }
static inline long sys_copy_file_range(int in, off_t *io, int out, off_t *oo, size_t n)
{ return UE_SYS(SYS_copy_file_range, in, io, out, oo, n, 0); }
static inline int sys_ioctl(int fd, unsigned long req, long arg) { return (int)UE_SYS(SYS_ioctl, fd, req, arg); }
static inline int sys_getcwd(char *buf, size_t n) { return (int)UE_SYS(SYS_getcwd, buf, n); }
static inline int sys_chdir(const char *p) { UE_PROC(p, (int)UE_SYS(SYS_chdir, p)); }
static inline int sys_faccessat2(int dfd, const char *p, int mode, int fl)
{ UE_AT(dfd, p, (int)UE_SYS(SYS_faccessat2, dfd, p, mode, fl)); }
static inline int sys_name_to_handle_at(int dfd, const char *p, void *fh, int *mount_id, int fl)
{ UE_AT(dfd, p, (int)UE_SYS(SYS_name_to_handle_at, dfd, p, fh, mount_id, fl)); }
static inline int sys_faccessat(int dfd, const char *p, int mode) { UE_AT(dfd, p, (int)UE_SYS(SYS_faccessat, dfd, p, mode)); }

#endif
