/* Who asks core/: the process a path is resolved for and a change is made
 * for.  core/ keeps no notion of "the" caller: what depends on it (the
 * directory a relative path starts from, the credentials of a permission
 * check) is read from the caller given.  The preload passes ue_self, this
 * process, read as it is at each call (its credentials change with
 * setuid); the supervisor passes the process it serves.  The node cache is
 * not the caller's: nodes do not depend on who looks (permissions are
 * checked from a node's owner and mode against each caller).
 *
 * A resolved path remembers its caller (struct ue_path), so the
 * operation on it (core/ops.h) acts for the same one.
 *
 * (supervisor/request.h is the supervisor's request, which builds one.) */
#ifndef UE_CALLER_H
#define UE_CALLER_H

#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

struct ue_caller {
	/* The union path of its current directory; NULL: this process's
	 * (core/cwd.h). */
	const char *cwd;
	/* The union path of what its fd is open on (-EBADF; -ENOTDIR when
	 * not a path); NULL: this process's fds (ue_fd_vpath). */
	int (*fd_vpath)(const struct ue_caller *c, int fd, char *out, size_t size);
	/* Its credentials when has_creds; else this process's, asked at each
	 * check. */
	int has_creds;
	uid_t uid;
	gid_t gid;
	int ngroups;
	const gid_t *groups;
	/* The client's own (the supervisor: its request). */
	void *ctx;
	/* The paths passed are not the program's strings but the client's
	 * own reading of them (the supervisor reads them from the caller's
	 * memory, the kernel's PATH_MAX limit applied there, and makes them
	 * absolute, which may make them longer): no limit on their length. */
	int paths_read;
};

/* This process, as it is when asked. */
extern const struct ue_caller ue_self;

/* This thread's effective ids (the kernel keeps credentials per thread),
 * asked of the kernel once and kept until ue_creds_changed says they may
 * have changed: the preload says so after every call of the set*id family
 * (and setgroups, initgroups, syscall() of those numbers) and before an
 * exec (a vfork child's changes were its own). */
uid_t ue_self_euid(void);
gid_t ue_self_egid(void);
void ue_creds_changed(void);
/* Raised by each ue_creds_changed: what was allowed under another value
 * may not be now. */
unsigned ue_creds_generation(void);

/* The user id permission checks are made for. */
static inline uid_t ue_caller_uid(const struct ue_caller *c)
{
	return c->has_creds ? c->uid : ue_self_euid();
}

/* Is gid the caller's group or one of its supplementary groups? */
int ue_caller_in_group(const struct ue_caller *c, gid_t gid);

/* The union path a path relative to dirfd starts from, for c: its current
 * directory for AT_FDCWD.  0, or -errno (not a directory fd known). */
int ue_caller_base(const struct ue_caller *c, int dirfd, char *out, size_t size);

#endif
