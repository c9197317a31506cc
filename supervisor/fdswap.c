/* The fds injected open read-only on a lower's file, and their move onto
 * the upper copy (fdswap.h).
 *
 * An entry: the thread the fd went to, its number there, the supervisor's
 * copy of the open file, and the file's union path.  When the ring of
 * changes shows a change at that path (or above it), the entry is looked
 * at: is the caller's number still that open file (kcmp), has the file a
 * copy in the upper (ue_fd_find_copy, the preload's own test: the copy
 * must record this very file as its origin)?  Then the upper copy waits
 * (the entry is pending) for a notification of a process holding the open
 * file at that number, where SECCOMP_IOCTL_NOTIF_ADDFD with
 * SECCOMP_ADDFD_FLAG_SETFD puts it in: the same number, offset, status
 * flags and close-on-exec flag, in every number of that process holding
 * the open file (dup).  Other processes holding it (a fork child) take the
 * same upper open file, so that they still share the offset, at their own
 * notification while the entry waits; the entry goes once the process it
 * was injected into has had its turn.
 *
 * The table is the workers' (loop.c): every entry point holds tab_lock,
 * taken after nothing else of the supervisor's and before core/'s own
 * locks (ue_fd_find_copy resolves under it). */
#include "fdswap.h"
#include "layerpath.h"
#include "ring.h"
#include "shm.h"
#include "trace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_ENTRIES 512  /* each holds an fd of the supervisor's: a quarter of its limit at most */
#define MAX_PENDING 32   /* each costs a kcmp per notification while it waits */
#define MAX_EVENTS 64    /* more changes between two looks: every entry is looked at */
#define PRUNE_EVERY 256  /* notifications between two checks of waiting entries' owners */

struct entry {
	pid_t tid;          /* the thread the fd was injected into */
	int n;              /* its number there */
	int ours;           /* the supervisor's copy of the open file */
	int upper;          /* -1, or the upper copy waiting to be put in */
	int placed;         /* upper has taken ours' offset and flags */
	uint64_t seen;      /* ring position looked at */
	uint64_t renames;   /* renames followed (core/renames.h) */
	char *rel;          /* the file's union path, relative to the mount */
};

static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry tab[MAX_ENTRIES];
static size_t used;          /* tab[0..used); read unlocked as a hint only */
/* Each injection under way (ue_fdswap_inject), whose entry is not in yet,
 * holds injecting shared; who needs every entry in takes it exclusive for
 * a moment (injections_wait), new injections then waiting behind it.
 * Taken before tab_lock.  adding counts them, read unlocked as a hint. */
static pthread_rwlock_t injecting = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static unsigned adding;

static void injections_wait(void)
{
	pthread_rwlock_wrlock(&injecting);
	pthread_rwlock_unlock(&injecting);
}
static size_t room;          /* entries allowed: MAX_ENTRIES, or less under a low fd limit */
static unsigned pending;     /* entries with an upper copy waiting */
static uint64_t seen_head;   /* ring position of the last sweep: read unlocked as a hint */
static unsigned since_prune;
static unsigned next_victim;
static pid_t self;
static int no_kcmp;          /* kcmp refused here: nothing is tracked */

/* Does fd n of thread tid hold the open file fd ours of the supervisor? */
static int holds(pid_t tid, int n, int ours)
{
	return syscall(SYS_kcmp, tid, self, KCMP_FILE, n, ours) == 0;
}

static int same_fd_table(pid_t a, pid_t b)
{
	return a == b || syscall(SYS_kcmp, a, b, KCMP_FILES, 0, 0) == 0;
}

static void drop(size_t i)
{
	struct entry *e = &tab[i];
	close(e->ours);
	if (e->upper >= 0) {
		close(e->upper);
		pending--;
	}
	free(e->rel);
	*e = tab[used - 1];
	__atomic_store_n(&used, used - 1, __ATOMIC_SEQ_CST);
}

void ue_fdswap_reset(void)
{
	pthread_mutex_lock(&tab_lock);
	while (used)
		drop(used - 1);
	seen_head = 0;
	since_prune = 0;
	self = 0;
	no_kcmp = 0;
	pthread_mutex_unlock(&tab_lock);
}

/* Entries whose caller no longer holds the open file (closed, exec,
 * exited) go. */
static void prune(int pending_only)
{
	for (size_t i = used; i-- > 0;)
		if ((!pending_only || tab[i].upper >= 0) && !holds(tab[i].tid, tab[i].n, tab[i].ours))
			drop(i);
}

static void track(struct ue_req *q, int ours, int n, const char *rel, struct ue_fd_mark mark)
{
	if (!self) {
		self = getpid();
		/* No kcmp (a kernel without CONFIG_KCMP, a policy refusing it):
		 * no identity to check a number against, so no move at all. */
		no_kcmp = !holds(self, ours, ours);
		struct rlimit rl;
		room = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur / 4 < MAX_ENTRIES ? rl.rlim_cur / 4 : MAX_ENTRIES;
	}
	/* The caller may have closed the number already, and had it again
	 * from a later open, tracked first. */
	char *r = no_kcmp || !room || !holds(q->tid, n, ours) ? NULL : strdup(rel);
	if (!r) {
		close(ours);
		return;
	}
	/* That number in that thread held another fd, closed since. */
	for (size_t i = used; i-- > 0;)
		if (tab[i].tid == q->tid && tab[i].n == n)
			drop(i);
	if (used >= room)
		prune(0);
	if (used >= room)
		drop(next_victim++ % used);  /* that fd keeps its lower's file */
	/* Changes made since the open resolved are looked at by the next
	 * check, even when an earlier one swept past them. */
	if (mark.ring != ue_ring_head(&ue_shm->ring))
		seen_head = mark.ring;
	tab[used] = (struct entry){ .tid = q->tid, .n = n, .ours = ours, .upper = -1,
	                            .seen = mark.ring, .renames = mark.renames, .rel = r };
	__atomic_store_n(&used, used + 1, __ATOMIC_SEQ_CST);
}

int ue_fdswap_inject(struct ue_req *q, struct seccomp_notif_addfd *add, int ours, const char *rel,
                     struct ue_fd_mark mark)
{
	pthread_rwlock_rdlock(&injecting);
	__atomic_add_fetch(&adding, 1, __ATOMIC_SEQ_CST);
	/* Not under the table's lock: the ioctl returns once the caller has
	 * taken the fd, which the kernel wakes it for on another CPU, and
	 * the worker then on its own.  Held across that, the lock made the
	 * caller's next call wait for both wake-ups: an open of a lower's
	 * file took 40 to 50 us, 21 to 29 without (an upper's, untracked,
	 * 18).  Only a call with a change to look at, or a flock, now waits
	 * for the entry (injections_wait): the one that copies the file up
	 * must move the fd before it returns. */
	int r = ioctl(q->listener, SECCOMP_IOCTL_NOTIF_ADDFD, add);
	int e = errno;
	pthread_mutex_lock(&tab_lock);
	if (r >= 0)
		track(q, ours, r, rel, mark);  /* keeps ours */
	else
		close(ours);
	pthread_mutex_unlock(&tab_lock);
	__atomic_sub_fetch(&adding, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&injecting);
	return r < 0 ? -e : r;
}

/* The change ring's events [from, head) into ev: their count, or -1 when
 * they cannot all be read (too many, overwritten, too long). */
static int read_events(uint64_t from, uint64_t head, char ev[][UE_RING_PATH], size_t *len)
{
	if (head - from > MAX_EVENTS)
		return -1;
	for (uint64_t k = from; k != head; k++)
		if (!ue_ring_event_path(&ue_shm->ring, k, ev[k - from], &len[k - from]))
			return -1;
	return (int)(head - from);
}

/* Entry i's file changed, or may have: has it been copied up? */
static void look(size_t i)
{
	struct entry *e = &tab[i];
	char rel[UE_PATH_MAX];
	if (!holds(e->tid, e->n, e->ours) || strlen(e->rel) >= sizeof rel) {
		drop(i);
		return;
	}
	strcpy(rel, e->rel);
	int nfd = ue_fd_find_copy(e->ours, rel, sizeof rel, &e->renames);
	if (strcmp(rel, e->rel)) {
		char *r = strdup(rel);
		if (!r) {
			if (nfd >= 0)
				close(nfd);
			drop(i);
			return;
		}
		free(e->rel);
		e->rel = r;
	}
	if (nfd == UE_FD_KEEP)
		return;
	if (nfd < 0) {
		drop(i);
		return;
	}
	if (pending == MAX_PENDING) {
		close(nfd);
		drop(i);  /* that fd keeps its lower's file */
		return;
	}
	e->upper = nfd;
	pending++;
}

/* The ring moved to head: look at the entries whose file, or a directory
 * above it, it names. */
static void sweep(uint64_t head)
{
	static char ev[MAX_EVENTS][UE_RING_PATH];
	size_t len[MAX_EVENTS];
	uint64_t from = head;
	for (size_t i = 0; i < used; i++)
		if (tab[i].upper < 0 && head - tab[i].seen > head - from)
			from = tab[i].seen;
	int nev = read_events(from, head, ev, len);
	for (size_t i = used; i-- > 0;) {
		struct entry *e = &tab[i];
		if (e->upper >= 0 || e->seen == head)
			continue;
		int touched = nev < 0;
		size_t rl = strlen(e->rel);
		for (uint64_t k = e->seen - from; !touched && (int)k < nev; k++)
			touched = ue_rel_under(e->rel, rl, ev[k], len[k]);
		e->seen = head;
		if (touched)
			look(i);
	}
	seen_head = head;
}

/* The close-on-exec flag of fd n of thread tid (/proc/TID/fdinfo/N's
 * flags carry it as O_CLOEXEC). */
static int cloexec_of(pid_t tid, int n)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", tid, n);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t got = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[got > 0 ? got : 0] = '\0';
	const char *f = strstr(buf, "flags:");
	return f && (strtoul(f + 6, NULL, 8) & O_CLOEXEC);
}

static void put_at(struct ue_req *q, int upper, int n)
{
	struct seccomp_notif_addfd add = {
		.id = q->n->id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (unsigned)upper,
		.newfd = (unsigned)n,
		.newfd_flags = cloexec_of(q->tid, n) ? O_CLOEXEC : 0,
	};
	ioctl(q->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
}

/* Put e's upper copy in place of every fd of q's caller holding e's open
 * file: n first, then its duplicates. */
static void put_in(struct ue_req *q, struct entry *e, int n)
{
	if (!e->placed) {
		off_t off = lseek(e->ours, 0, SEEK_CUR);
		int fl = fcntl(e->ours, F_GETFL);
		if (off < 0 || fl < 0 || lseek(e->upper, off, SEEK_SET) < 0)
			return;
		/* O_NOATIME is refused on another user's file: keep the rest. */
		if (fcntl(e->upper, F_SETFL, fl) < 0)
			fcntl(e->upper, F_SETFL, fl & ~O_NOATIME);
		e->placed = 1;
	}
	/* The caller's /proc/TID/fd and fdinfo are read as the supervisor:
	 * with the fsuid the worker kept from its last call (another user's,
	 * or a caller that dropped from root, not dumpable), they were
	 * refused, and the duplicates and the close-on-exec flag missed. */
	ue_sv_as_self(1);
	put_at(q, e->upper, n);
	if (ue_trace_on)
		ue_trace_event("fd-to-upper", e->rel);
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", q->tid);
	DIR *d = opendir(dir);
	for (struct dirent *de; d && (de = readdir(d));) {
		char *end;
		long m = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || m == n)
			continue;
		if (holds(q->tid, (int)m, e->ours))
			put_at(q, e->upper, (int)m);
	}
	if (d)
		closedir(d);
	ue_sv_as_self(0);
}

/* The waiting upper copies whose open file q's caller holds. */
static void place_pending(struct ue_req *q)
{
	for (size_t i = used; i-- > 0;) {
		struct entry *e = &tab[i];
		if (e->upper < 0)
			continue;
		int held = holds(q->tid, e->n, e->ours);
		if (held)
			put_in(q, e, e->n);
		/* The process it was injected into has had its turn. */
		if (q->tid == e->tid || (held && same_fd_table(q->tid, e->tid)))
			drop(i);
	}
	if (++since_prune >= PRUNE_EVERY) {
		since_prune = 0;
		prune(1);
	}
}

void ue_fdswap_check(struct ue_req *q)
{
	if (!__atomic_load_n(&used, __ATOMIC_SEQ_CST) && !__atomic_load_n(&adding, __ATOMIC_SEQ_CST))
		return;
	if (__atomic_load_n(&adding, __ATOMIC_SEQ_CST) &&
	    ue_ring_head(&ue_shm->ring) != __atomic_load_n(&seen_head, __ATOMIC_SEQ_CST))
		injections_wait();
	pthread_mutex_lock(&tab_lock);
	uint64_t head = ue_ring_head(&ue_shm->ring);
	if (used && head != seen_head)
		sweep(head);
	if (pending)
		place_pending(q);
	pthread_mutex_unlock(&tab_lock);
}

void ue_fdswap_forget(struct ue_req *q, int fd)
{
	/* A lock taken right after the open must find its entry: the copy
	 * kept here would hold the lock past the caller's close. */
	injections_wait();
	pthread_mutex_lock(&tab_lock);
	for (size_t i = used; i-- > 0;)
		if (holds(q->tid, fd, tab[i].ours) || (tab[i].upper >= 0 && holds(q->tid, fd, tab[i].upper)))
			drop(i);
	pthread_mutex_unlock(&tab_lock);
}
