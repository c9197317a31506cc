/* The handlers of the notified system calls, one group per file, and what
 * they share.  A handler returns the call's result (>= 0), -errno,
 * UE_SV_CONTINUE (the kernel does the call itself, with the caller's own
 * arguments: only for reads outside the union), UE_SV_SENT (the answer
 * went with an injected fd) or UE_SV_RESTARTED (nothing to answer).
 *
 * The meaning of each call in union terms is not written here: a handler
 * reads its arguments from the caller, makes its paths absolute in the
 * caller's terms and calls the implementation behind the preload's table
 * (preload/impl.h: resolve, copy-up, ue_op_*, what stat shows), the same
 * code a preloaded process runs, with (AT_FDCWD, absolute path). */
#ifndef UE_SV_SERVE_H
#define UE_SV_SERVE_H

#include "fdtab.h"
#include "request.h"
#include "resolve.h"

#include <limits.h>

#define UE_SV_CONTINUE (-100000L)
#define UE_SV_SENT (-100001L)
#define UE_SV_RESTARTED (-100002L)  /* withdrawn: the call comes again (supervisor/restart.c) */

typedef long (*ue_sv_handler)(struct ue_req *q);

/* One path argument of the caller: (dirfd, string at args[argi]). */
struct sv_path {
	char given[PATH_MAX];   /* as the caller wrote it */
	char abs[UE_PATH_MAX];  /* absolute, in the program's terms */
	int native;             /* the kernel would resolve given to abs */
	int empty;              /* "": an fd operation (AT_EMPTY_PATH) or ENOENT */
};

/* Read and place the path; 0 or -errno.  The caller is checked to be
 * the one that asked (ue_caller_valid) after its memory was read. */
int sv_path(struct ue_req *q, int dirfd, int argi, struct sv_path *sp);

/* The same without that check, for a call that only reads and may be
 * left to the kernel (sv_read_outside): continuing acts on nothing the
 * supervisor read, and saves a system call in a handful.  Anything else
 * is done after sv_checked. */
int sv_path_unchecked(struct ue_req *q, int dirfd, int argi, struct sv_path *sp);
/* sv_path and sv_path_unchecked for a call taking AT_EMPTY_PATH in fl:
 * "" with AT_FDCWD names the caller's current directory, by its union
 * name (the kernel acts on it), and is then no longer empty; "" with an
 * fd stays empty (the handler acts on its copy of the caller's fd). */
int sv_path_at(struct ue_req *q, int dirfd, int argi, int fl, struct sv_path *sp);
int sv_path_at_unchecked(struct ue_req *q, int dirfd, int argi, int fl, struct sv_path *sp);
/* 0, or -ESRCH when the caller is no longer the one that asked. */
int sv_checked(const struct ue_req *q);

/* A read of sp may be left to the kernel: outside the union, and named by
 * the caller as the supervisor understood it. */
int sv_read_outside(const struct sv_path *sp, int follow);

/* Inject fd into the caller as the call's result (closing ours). */
long sv_inject(struct ue_req *q, long fd, int cloexec);
/* The same for an fd open read-only on rel, a lower's file, resolved at
 * mark: the supervisor keeps it, to move the caller's onto the upper copy
 * once the file is copied up (fdswap.h). */
long sv_inject_lower(struct ue_req *q, long fd, int cloexec, const char *rel, struct ue_fd_mark mark);

/* Handlers, by family. */
long sv_open(struct ue_req *q);
long sv_openat(struct ue_req *q);
long sv_openat2(struct ue_req *q);
long sv_creat(struct ue_req *q);
long sv_flock(struct ue_req *q);

long sv_stat(struct ue_req *q);
long sv_fstat(struct ue_req *q);
long sv_lstat(struct ue_req *q);
long sv_newfstatat(struct ue_req *q);
long sv_statx(struct ue_req *q);
long sv_access(struct ue_req *q);
long sv_faccessat(struct ue_req *q);
long sv_faccessat2(struct ue_req *q);
long sv_readlink(struct ue_req *q);
long sv_readlinkat(struct ue_req *q);
long sv_statfs(struct ue_req *q);
long sv_getxattr(struct ue_req *q);
long sv_lgetxattr(struct ue_req *q);
long sv_listxattr(struct ue_req *q);
long sv_llistxattr(struct ue_req *q);

long sv_mkdir(struct ue_req *q);
long sv_mkdirat(struct ue_req *q);
long sv_mknod(struct ue_req *q);
long sv_mknodat(struct ue_req *q);
long sv_symlink(struct ue_req *q);
long sv_symlinkat(struct ue_req *q);
long sv_link(struct ue_req *q);
long sv_linkat(struct ue_req *q);
long sv_unlink(struct ue_req *q);
long sv_unlinkat(struct ue_req *q);
long sv_rmdir(struct ue_req *q);
long sv_rename(struct ue_req *q);
long sv_renameat(struct ue_req *q);
long sv_renameat2(struct ue_req *q);

long sv_chmod(struct ue_req *q);
long sv_fchmodat(struct ue_req *q);
long sv_fchmodat2(struct ue_req *q);
long sv_chown(struct ue_req *q);
long sv_lchown(struct ue_req *q);
long sv_fchownat(struct ue_req *q);
long sv_utimensat(struct ue_req *q);
long sv_utime(struct ue_req *q);
long sv_utimes(struct ue_req *q);
long sv_futimesat(struct ue_req *q);
long sv_truncate(struct ue_req *q);
long sv_setxattr(struct ue_req *q);
long sv_lsetxattr(struct ue_req *q);
long sv_removexattr(struct ue_req *q);
long sv_lremovexattr(struct ue_req *q);
long sv_fchmod(struct ue_req *q);
long sv_fchown(struct ue_req *q);
long sv_fsetxattr(struct ue_req *q);
long sv_fremovexattr(struct ue_req *q);

long sv_getdents64(struct ue_req *q);
long sv_getcwd(struct ue_req *q);
long sv_chdir(struct ue_req *q);
long sv_execve(struct ue_req *q);
long sv_execveat(struct ue_req *q);

/* execve of the #! script p (resolved from sp, argument argi; argv is
 * argument argi + 1), which the kernel reaches by sp->given when
 * script_reached: restarted as its interpreter's where the kernel would
 * not reach the script or the union's interpreter (serve_script.c).
 * UE_SV_RESTARTED, -errno, or 0: not such a script, go on as for any
 * program. */
long sv_exec_script(struct ue_req *q, int dirfd, int argi, const struct sv_path *sp, const struct ue_path *p,
                    int script_reached);

/* ioctl, for the commands of ue_sv_ioctl_cmds only (serve_ioctl.c). */
#define UE_SV_IOCTL_CMDS 3
extern const unsigned ue_sv_ioctl_cmds[UE_SV_IOCTL_CMDS];
long sv_ioctl(struct ue_req *q);

long sv_creds(struct ue_req *q);   /* the set*id calls, capset */

long sv_bind(struct ue_req *q);
long sv_connect(struct ue_req *q);
long sv_inotify_add_watch(struct ue_req *q);

#endif
