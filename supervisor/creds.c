/* Acting with the caller's credentials.  As an ordinary user every
 * filtered process is the user (under no_new_privs nothing gains an id,
 * and changing groups needs privilege): nothing to do.  As root, a caller
 * may have dropped to another user, so the supervisor takes its fsuid,
 * fsgid and groups for each request.  Reading them (/proc/TID/status)
 * costs more than the rest of a request, so they are kept per thread
 * until the thread changes them (the set*id calls and capset are
 * notified for that) or dies (a pidfd of the thread says so: its number
 * may be reused by a thread with other credentials). */
#include "request.h"
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

#define SLOTS 64
#define MAX_GROUPS 256

struct creds {
	pid_t tid;              /* 0: free */
	int pidfd;
	uid_t fsuid;
	gid_t fsgid;
	int ngroups;
	gid_t groups[MAX_GROUPS];
};

static struct creds slot[SLOTS];
static unsigned next_victim;
static const struct creds *applied;  /* what the supervisor acts as now; NULL: itself */
/* Is the supervisor root?  Asked once: it changes only its fsuid, never
 * its euid, and a system call per request is a tenth of a stat's cost. */
static int as_root = -1;
static mode_t applied_umask = (mode_t)-1;  /* the supervisor's umask, once set */

static int alive(const struct creds *c)
{
	return syscall(SYS_pidfd_send_signal, c->pidfd, 0, NULL, 0) == 0;
}

static void drop(struct creds *c)
{
	if (applied == c)
		applied = NULL;
	if (c->tid)
		close(c->pidfd);
	c->tid = 0;
}

static const struct creds *lookup(struct ue_req *q)
{
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].tid == q->tid) {
			if (alive(&slot[i]))
				return &slot[i];
			drop(&slot[i]);
		}
	uid_t ids[2] = { (uid_t)-1, (uid_t)-1 };
	struct creds *c = &slot[next_victim++ % SLOTS];
	drop(c);
	if (ue_caller_status(q, ids, c->groups, &c->ngroups) < 0 || ids[0] == (uid_t)-1)
		return NULL;
	/* The pidfd after the status: if the thread died in between, the
	 * pidfd fails and nothing is kept. */
	int fd = (int)syscall(SYS_pidfd_open, q->tid, PIDFD_THREAD);
	if (fd < 0)
		return NULL;
	c->tid = q->tid;
	c->pidfd = fd;
	c->fsuid = ids[0];
	c->fsgid = ids[1];
	return c;
}

void ue_caller_creds_changed(struct ue_req *q)
{
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].tid == q->tid)
			drop(&slot[i]);
}

int ue_caller_become(struct ue_req *q, int create)
{
	if (as_root < 0)
		as_root = geteuid() == 0;
	if (as_root) {
		const struct creds *c = lookup(q);
		if (!c)
			return -ESRCH;
		if (c != applied) {
			/* Per thread, as raw calls: glibc's wrappers would change
			 * every thread of the supervisor (it has one). */
			syscall(SYS_setfsuid, 0);
			if (syscall(SYS_setgroups, c->ngroups, c->groups) < 0)
				return -errno;
			syscall(SYS_setfsgid, c->fsgid);
			syscall(SYS_setfsuid, c->fsuid);
			if ((uid_t)syscall(SYS_setfsuid, -1) != c->fsuid)
				return -EPERM;
			applied = c;
		}
		/* core/'s own checks decide for the caller too (ue_may_own,
		 * ue_may_chown, search on a walk): not as the supervisor's root. */
		q->who.has_creds = 1;
		q->who.uid = c->fsuid;
		q->who.gid = c->fsgid;
		q->who.ngroups = c->ngroups;
		q->who.groups = c->groups;
	}
	if (create) {
		/* umask(2) is not notified: read it for each call that creates. */
		if (!q->have_status && ue_caller_status(q, NULL, NULL, NULL) < 0)
			return -ESRCH;
		/* Only this line sets the supervisor's umask: set it when it
		 * differs (a build's callers share one). */
		if (q->umask != applied_umask) {
			umask(q->umask);
			applied_umask = q->umask;
		}
	}
	return 0;
}

/* setuid and its family: the kernel does it; the supervisor forgets what
 * it knew of the thread's credentials. */
long sv_creds(struct ue_req *q)
{
	ue_caller_creds_changed(q);
	return UE_SV_CONTINUE;
}
