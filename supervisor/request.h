/* One request of a filtered process, and what the supervisor knows of its
 * caller: memory, current directory, fds, credentials (supervisor/request.c). */
#ifndef UE_SV_REQUEST_H
#define UE_SV_REQUEST_H

#include <limits.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "resolve.h"  /* core/: struct ue_caller (core/caller.h) */

#define UE_REQ_MAX_GROUPS 256

/* A caller's credentials as the supervisor acts with them (creds.c). */
struct ue_req_creds {
	uid_t fsuid;
	gid_t fsgid;
	int ngroups;
	gid_t groups[UE_REQ_MAX_GROUPS];
};

struct ue_req {
	int listener;
	const struct seccomp_notif *n;
	pid_t tid;              /* the calling thread (n->pid) */
	pid_t tgid;             /* its process; 0 until the status was read */
	mode_t umask;
	int have_status;
	int pidfd;              /* -1 until an fd of the caller's is needed */
	/* The caller as core/ takes it (core/caller.h): its current directory
	 * (vcwd, once read), its fds through /proc/TID/fd, its credentials once
	 * the supervisor acts as it (ue_caller_become).  The preload's
	 * implementations act for it while the request is served (ue_serving). */
	struct ue_caller who;
	char vcwd[UE_PATH_MAX];
	/* Its credentials (as root; once read: have_creds), which who's
	 * groups point into. */
	int have_creds;
	struct ue_req_creds creds;
};

static inline uint64_t ue_arg(const struct ue_req *q, int i) { return q->n->data.args[i]; }
/* A dirfd argument: the kernel takes its low 32 bits as an int. */
static inline int ue_arg_fd(const struct ue_req *q, int i) { return (int)(unsigned)q->n->data.args[i]; }

void ue_req_init(struct ue_req *q, int listener, const struct seccomp_notif *n);
void ue_req_done(struct ue_req *q);

/* Is the notification still live (the caller has not died, its pid not been
 * reused)?  Checked after reading the caller's memory, before acting. */
int ue_caller_valid(const struct ue_req *q);

/* The caller's memory: 0 or -EFAULT. */
int ue_caller_read(const struct ue_req *q, uint64_t addr, void *buf, size_t len);
int ue_caller_write(const struct ue_req *q, uint64_t addr, const void *buf, size_t len);
/* A NUL-terminated string of at most size bytes: its length, -EFAULT or
 * -ENAMETOOLONG. */
long ue_caller_string(const struct ue_req *q, uint64_t addr, char *buf, size_t size);

/* The caller's (dirfd, path) as an absolute path in the program's terms:
 * a relative path joined to the union's name of the caller's current
 * directory or of the directory dirfd is open on, /proc/self and
 * /proc/thread-self made the caller's.  *native is set when the kernel,
 * given the caller's own arguments, resolves to the same place (the path
 * was absolute and is not under /proc/self, or its base directory lies in
 * no layer), so that the call may be continued.  0 or -errno. */
int ue_caller_abs(struct ue_req *q, int dirfd, const char *path, char *out, size_t size, int *native);

/* The union's name of the caller's current directory. */
int ue_caller_cwd(struct ue_req *q, char *out, size_t size);

/* A copy of the caller's fd in the supervisor (the same open file): the
 * fd, or -errno.  The caller closes it. */
int ue_caller_fd(struct ue_req *q, int fd);

/* Is the caller's fd open on a file of a layer (its real path in one)? */
int ue_caller_fd_in_layer(struct ue_req *q, int fd);

/* Read /proc/TID/status: the umask and tgid into q, and when given the
 * fsuid and fsgid and the groups (up to UE_REQ_MAX_GROUPS).  0 or -errno. */
int ue_caller_status(struct ue_req *q, uid_t fs_ids[2], gid_t *groups, int *ngroups);

/* Act as the caller (supervisor/creds.c): its fsuid, fsgid and groups (as root only: an ordinary
 * user's callers are the user), and with create set its umask.  0 or -errno. */
int ue_caller_become(struct ue_req *q, int create);
/* Copy-ups made as the supervisor, not as the caller it acts for
 * (creds.c): called once, before any worker starts. */
void ue_caller_creds_init(void);
/* Between ue_sv_as_self(1) and ue_sv_as_self(0), act as the supervisor
 * again (a copy-up, a restart's reads of /proc), not as the caller. */
void ue_sv_as_self(int begin);
/* The caller changed its credentials (setuid and the like): forget them. */
void ue_caller_creds_changed(struct ue_req *q);

/* Is abs one of the caller's own /proc/PID links (its /proc/self/NAME,
 * fd/N, task/TID/NAME), with nothing past it?  A process may always read
 * its own links there, dumpable or not: the supervisor reads them as
 * itself (ue_sv_as_self). */
int ue_caller_own_proc(struct ue_req *q, const char *abs);
/* The caller's pid (thread group) for /proc paths; 0 when unknown. */
pid_t ue_caller_tgid(struct ue_req *q);


#endif
