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
#include "copyup.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

#define SLOTS 64

/* The threads' credentials read, shared by the workers (any of them may
 * serve a thread's next call), under slots_lock. */
struct creds {
	pid_t tid;              /* 0: free */
	int pidfd;
	struct ue_req_creds c;
};

static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static struct creds slot[SLOTS];
static unsigned next_victim;
/* Calls of the set*id family notified so far: a read of a thread's
 * credentials is kept only if none came while it was made.  Its thread
 * is blocked in the call being served, but a signal may interrupt that
 * call: glibc's setuid in another thread of the process signals every
 * thread (SIGSETXID), whose handler makes its own set*id call, notified
 * and dropped here while a worker may still be reading the old ids for
 * the interrupted call; kept, they would serve the thread's next calls
 * with the ids it gave up (root's). */
static unsigned long changes;
/* What this worker acts as now (setfsuid and the rest are per thread);
 * unset: itself. */
static __thread struct ue_req_creds applied;
static __thread int have_applied;
/* Is the supervisor root?  Asked once: it changes only its fsuid, never
 * its euid, and a system call per request is a tenth of a stat's cost. */
static int as_root = -1;
/* This worker's umask, once set: each worker has its own (CLONE_FS
 * unshared, loop.c), as its own fsuid. */
static __thread mode_t applied_umask = (mode_t)-1;

static int alive(const struct creds *c)
{
	return syscall(SYS_pidfd_send_signal, c->pidfd, 0, NULL, 0) == 0;
}

static void drop(struct creds *c)
{
	if (c->tid)
		close(c->pidfd);
	c->tid = 0;
}

/* The kept credentials of q's thread into *out: 1, or 0 when none are. */
static int kept(struct ue_req *q, struct ue_req_creds *out, unsigned long *gen)
{
	int found = 0;
	pthread_mutex_lock(&slots_lock);
	*gen = changes;
	for (int i = 0; i < SLOTS && !found; i++)
		if (slot[i].tid == q->tid) {
			if (alive(&slot[i])) {
				*out = slot[i].c;
				found = 1;
			} else {
				drop(&slot[i]);
			}
		}
	pthread_mutex_unlock(&slots_lock);
	return found;
}

/* q's thread's credentials into *out, read from /proc/TID/status when
 * not kept (outside the lock: the read is most of a request's cost).
 * 0, or -ESRCH. */
static int lookup(struct ue_req *q, struct ue_req_creds *out)
{
	unsigned long gen;
	if (kept(q, out, &gen))
		return 0;
	uid_t ids[2] = { (uid_t)-1, (uid_t)-1 };
	if (ue_caller_status(q, ids, out->groups, &out->ngroups) < 0 || ids[0] == (uid_t)-1)
		return -ESRCH;
	out->fsuid = ids[0];
	out->fsgid = ids[1];
	/* The pidfd after the status: if the thread died in between, the
	 * pidfd fails and nothing is kept. */
	int fd = (int)syscall(SYS_pidfd_open, q->tid, PIDFD_THREAD);
	if (fd < 0)
		return 0;
	pthread_mutex_lock(&slots_lock);
	if (changes != gen) {
		/* A set*id call meanwhile (maybe this thread's): used for this
		 * request only, read again for the next. */
		pthread_mutex_unlock(&slots_lock);
		close(fd);
		return 0;
	}
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].tid == q->tid)
			drop(&slot[i]);  /* another worker read them meanwhile */
	struct creds *c = &slot[next_victim++ % SLOTS];
	drop(c);
	c->tid = q->tid;
	c->pidfd = fd;
	c->c = *out;
	pthread_mutex_unlock(&slots_lock);
	return 0;
}

void ue_caller_creds_changed(struct ue_req *q)
{
	pthread_mutex_lock(&slots_lock);
	changes++;
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].tid == q->tid)
			drop(&slot[i]);
	pthread_mutex_unlock(&slots_lock);
}

static int same_creds(const struct ue_req_creds *a, const struct ue_req_creds *b)
{
	return a->fsuid == b->fsuid && a->fsgid == b->fsgid && a->ngroups == b->ngroups &&
	       !memcmp(a->groups, b->groups, (size_t)a->ngroups * sizeof *a->groups);
}

int ue_caller_become(struct ue_req *q, int create)
{
	int root = __atomic_load_n(&as_root, __ATOMIC_RELAXED);
	if (root < 0) {
		root = geteuid() == 0;
		__atomic_store_n(&as_root, root, __ATOMIC_RELAXED);
	}
	if (root) {
		struct ue_req_creds *c = &q->creds;
		if (!q->have_creds) {
			if (lookup(q, c) < 0)
				return -ESRCH;
			q->have_creds = 1;
		}
		if (!have_applied || !same_creds(c, &applied)) {
			/* Per thread, as raw calls: glibc's wrappers would change
			 * every thread of the supervisor (its workers). */
			have_applied = 0;
			syscall(SYS_setfsuid, 0);
			if (syscall(SYS_setgroups, c->ngroups, c->groups) < 0)
				return -errno;
			syscall(SYS_setfsgid, c->fsgid);
			syscall(SYS_setfsuid, c->fsuid);
			if ((uid_t)syscall(SYS_setfsuid, -1) != c->fsuid)
				return -EPERM;
			applied = *c;
			have_applied = 1;
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
		/* Only this line sets a worker's umask: set it when it differs
		 * (a build's callers share one). */
		if (q->umask != applied_umask) {
			umask(q->umask);
			applied_umask = q->umask;
		}
	}
	return 0;
}

/* A copy-up is made as the supervisor (root), not as the caller
 * (core/copyup.h, ue_copy_up_as_owner): the kernel's overlayfs copies up
 * with the mounter's credentials once the caller's were checked, so a
 * caller that dropped to another user and may create in a root-owned
 * sticky directory of a lower gets it brought up into the root-owned
 * upper (acting as the caller, the copy failed: EACCES, and only when
 * that caller was the first to need the directory).  So are the reads
 * of a caller's /proc files (restart.c, request.c, fdswap.c): a process
 * that dropped from root is not dumpable, and its files there are root's
 * alone; nor may another user read them.  Per thread, as raw calls, as
 * ue_caller_become; the caller's credentials are taken back after, or
 * this worker's are forgotten (the next request sets them). */
static __thread int as_self_depth;  /* nested: only the outermost switches */

void ue_sv_as_self(int begin)
{
	if (begin ? as_self_depth++ > 0 : --as_self_depth > 0)
		return;
	if (!have_applied || applied.fsuid == 0)
		return;  /* acting as itself, or as root already */
	if (begin) {
		syscall(SYS_setfsuid, 0);
		syscall(SYS_setfsgid, getegid());
		return;
	}
	syscall(SYS_setfsgid, applied.fsgid);
	syscall(SYS_setfsuid, applied.fsuid);
	if ((uid_t)syscall(SYS_setfsuid, -1) != applied.fsuid || (gid_t)syscall(SYS_setfsgid, -1) != applied.fsgid)
		have_applied = 0;
}

void ue_caller_creds_init(void)
{
	ue_copy_up_as_owner = ue_sv_as_self;
}

/* setuid and its family: the kernel does it; the supervisor forgets what
 * it knew of the thread's credentials. */
long sv_creds(struct ue_req *q)
{
	ue_caller_creds_changed(q);
	return UE_SV_CONTINUE;
}
