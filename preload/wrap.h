/* What every wrapper shares: the libc functions behind LIBC(), the re-entry guard, the
 * errno convention.  Implementations return -errno (or set ue_err and
 * return NULL); the generated wrapper turns that into errno at the libc
 * boundary and leaves errno untouched on success. */
#ifndef UE_WRAP_H
#define UE_WRAP_H

#include <dirent.h>
#include <dlfcn.h>
#include <sys/socket.h>
#include <sys/inotify.h>
#include <sys/fanotify.h>
#include <stdint.h>
#include <mntent.h>
#include <nl_types.h>
#include <libintl.h>
#include <sys/ipc.h>
#include <fts.h>
#include <ftw.h>
#include <glob.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <utime.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "cache.h"
#include "config.h"
#include "guard.h"
#include "resolve.h"

#define UE_EXPORT __attribute__((visibility("default")))

/* The legacy entry points that glibc 2.33+ no longer declares. */
int __xstat(int, const char *, struct stat *);
int __xstat64(int, const char *, struct stat64 *);
int __lxstat(int, const char *, struct stat *);
int __lxstat64(int, const char *, struct stat64 *);
int __fxstatat(int, int, const char *, struct stat *, int);
int __fxstatat64(int, int, const char *, struct stat64 *, int);
int __xmknod(int, const char *, mode_t, dev_t *);
int __fxstat(int, int, struct stat *);
int __fxstat64(int, int, struct stat64 *);
int __xmknodat(int, int, const char *, mode_t, dev_t *);
int __open_2(const char *, int);
int __open64_2(const char *, int);
int __openat_2(int, const char *, int);
int __openat64_2(int, const char *, int);
ssize_t getdents64(int, void *, size_t);
char *__realpath_chk(const char *, char *, size_t);
ssize_t __readlink_chk(const char *, char *, size_t, size_t);
ssize_t __readlinkat_chk(int, const char *, char *, size_t, size_t);
char *__getcwd_chk(char *, size_t, size_t);
char *__getwd_chk(char *, size_t);
char *getwd(char *);
int __open(const char *, int, ...);
int __open64(const char *, int, ...);
int __connect(int, const struct sockaddr *, socklen_t);
int __statfs(const char *, struct statfs *);
FILE *__setmntent(const char *, const char *);
int open_tree(int, const char *, unsigned int);
ssize_t getdirentries(int, char *, size_t, off_t *);
ssize_t getdirentries64(int, char *, size_t, off64_t *);

/* One index per wrapped symbol, from the table. */
enum ue_fn {
#define UE_ENUM(name) UE_FN_##name,
#define W(ret, name, params, args, paths, call, kind) UE_ENUM(name)
#define W_PTR(ret, name, params, args, paths, call, kind) UE_ENUM(name)
#define W_VOID(name, params, args, paths, call, kind) UE_ENUM(name)
#define W_OPEN(name, dirparam, dirarg, paths, call, kind) UE_ENUM(name)
#define W_CUSTOM(name, paths, kind) UE_ENUM(name)
#define W_FD(ret, name, params, args, fd, kind) UE_ENUM(name)
#include "wrappers.def"
#undef W
#undef W_PTR
#undef W_VOID
#undef W_OPEN
#undef W_CUSTOM
#undef W_FD
	UE_FN_COUNT
};

void *ue_libc_fn(enum ue_fn fn, const char *name);
/* The same call made from the gate's page (preload/gated.c), or NULL. */
void *ue_gated_fn(enum ue_fn fn);
/* This process runs under the supervisor's filter with the preload kept
 * and its system calls leave from the gate's fixed page (preload/init.c). */
extern int ue_gated;
/* LIBC(open): the libc function a wrapper stands in front of, looked up
 * once.  "real" names a path in a layer only (docs/design.md, "Names"). */
#define LIBC(name) ((__typeof__(&name))ue_libc_fn(UE_FN_##name, #name))

/* Wrapper nesting depth of this thread: above one, a wrapper runs inside
 * another (a signal handler), and must not take the cache lock. */
extern __thread int ue_depth;
extern __thread int ue_err;        /* -errno of a pointer-returning impl */

void ue_init(void);
extern int ue_ready;

static inline int ue_enter(void)
{
	if (ue_depth++ > 0)
		ue_cache_bypass = 1;
	if (__builtin_expect(!ue_ready, 0))
		ue_init();
	return ue_config_active();
}

static inline void ue_leave(void)
{
	if (--ue_depth == 0) {
		ue_cache_bypass = 0;
		if (__builtin_expect(ue_long_held, 0))
			ue_long_release();
	}
}

static inline void *ue_fail(long r)
{
	ue_err = (int)-r;
	return NULL;
}

/* The hand-written wrappers (W_CUSTOM: varargs, another return
 * convention) take the guard as the generated ones do, in one style:
 *
 *	int saved = errno;
 *	if (!ue_enter()) {
 *		ue_leave();
 *		return LIBC(name)(args);
 *	}
 *	long r = work();            -errno inside, nothing touches errno
 *	ue_leave();
 *	return ue_done(r, saved);   errno set once, at the boundary
 *
 * A wrapper whose work is the program's own code (the walkers' callbacks)
 * asks ue_union_on() instead and works outside the guard; the wrappers
 * that only keep the fd tables or the credentials right (W_FD, fdio.c,
 * creds.c) resolve nothing and take no guard: libc's call, then the
 * tables told, errno as libc left it. */
static inline long ue_done(long r, int saved)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	errno = saved;
	return r;
}

/* Is a union active?  The guard taken and left at once, for a wrapper
 * whose work runs outside it: the functions it calls back are full
 * wrappers and must not run as nested ones (no cache there). */
static inline int ue_union_on(void)
{
	int on = ue_enter();
	ue_leave();
	return on;
}

/* Whom the implementations act for (core/caller.h): NULL, this process,
 * in the preload; the supervisor, which runs the same implementations for
 * the processes it serves, points it at the caller of the request it is
 * serving, and back to NULL after. */
extern __thread const struct ue_caller *ue_serving __attribute__((tls_model("initial-exec")));

static inline const struct ue_caller *ue_for(void)
{
	return __builtin_expect(ue_serving == NULL, 1) ? &ue_self : ue_serving;
}

/* The environment for a child: envp with LD_PRELOAD and the layer settings
 * put back when the program removed them, and the library as the loader's
 * audit module exactly when the child may load libraries from the union
 * (program_in_union, or LD_LIBRARY_PATH naming the union).  Returns envp
 * itself when nothing changes, else a new array (free with ue_env_free). */
char **ue_env_for_child(char *const envp[], int program_in_union);
void ue_env_free(char **env, char *const envp[]);

/* The environment for the supervisor a child is handed to: envp with the
 * layer settings put back and the library taken out of LD_PRELOAD and
 * LD_AUDIT (always a new array: free with ue_env_free), or NULL. */
char **ue_env_for_supervisor(char *const envp[]);

/* The library's own path as the launcher gave it (UNIONENV_LIB), or NULL. */
const char *ue_lib_path(void);

/* fd open on a directory of the union: its resolved path. 1 yes, 0 no. */
int ue_fd_union_path(int fd, struct ue_path *p);

/* Implementations shared between the files of preload/. */
struct ue_arg;
long open_impl(struct ue_arg *P, int flags, mode_t mode);
long mkdir_impl(struct ue_arg *P, mode_t mode);

#endif
