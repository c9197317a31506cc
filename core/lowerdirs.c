/* Directories of the lowers held open.  A name in the union reaches the
 * kernel as its real path, which the kernel walks from the root one
 * component at a time: in the benchmark's tree, six or seven components
 * where the program, in its current directory, named two (a statx of a
 * file of git's tree: 1,530 ns by its real path, 1,220 ns by its name
 * under the directory's fd, 1,250 ns natively by "d000/f00001.txt").  So
 * the directories a thread keeps looking in are held open, and the name is
 * given under the held fd.
 *
 * Only a lower's directories: a lower never changes, so the fd names that
 * real directory for as long as it is open (an upper directory may be
 * renamed by the union under the fd).  Held at a high number (out of the
 * way of programs that dup2 onto low ones), closed on exec.  A directory
 * is held once a thread has asked for HOLD_AFTER different names in it in
 * a row (what find, ls -lR and git status do; a name met alone costs
 * nothing more).
 * A directory may take any slot of a set of WAYS, one not used since the
 * last look for room: git status's threads (eight for 4,000 files), each
 * in a directory of its own, took one slot from each other every third
 * file where two directories hashed to it (652 opens of 40 directories
 * in one run; about 100 now).
 *
 * The table is lock-free, a set of slots per hash: a user takes a hold
 * (holds) after reading the slot's generation even, and keeps the fd only
 * if the generation is unchanged after; a writer makes the generation
 * odd, waits for the holds to go (one system call long; one that holds
 * only to save time gives up instead), changes the slot, and makes it
 * even again.  The program's close, dup2 or close_range of a held number
 * (ue_lowerdirs_forget, from the preload's fd wrappers) empties the slot
 * before the program's call closes the fd. */
#include "lowerdirs.h"
#include "caller.h"
#include "config.h"
#include "nodecache.h"
#include "strmap.h"
#include "sys.h"

#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/types.h>

#define SLOTS 16
#define WAYS 4            /* slots a directory may take */
#define DIR_MAX 240       /* longer directories are not held */
#define FD_MIN 900        /* where held fds go: above the shared whiteout's and the trace's */
#define HOLD_AFTER 3      /* names in a row in one directory before it is held */

struct slot {
	_Atomic unsigned gen;   /* odd: being changed */
	_Atomic int holds;
	_Atomic int used;       /* used since the last look for room */
	int fd;                 /* below FD_MIN: empty */
	dev_t dev;              /* what fd is open on (a fork child checks it) */
	ino_t ino;
	unsigned creds;         /* ue_creds_generation when it was opened */
	uint64_t hash;
	unsigned len;
	char dir[DIR_MAX];
};

static struct slot slots[SLOTS];
static _Atomic int enabled;
/* The process whose fds the slots name.  A vfork child shares this memory
 * but has fds of its own: it neither holds nor lets go here (a child
 * closing every fd before its exec would leave the parent's open and
 * forgotten), and once it has closed any, it gives whole paths until the
 * parent runs again (as core/cwd.c tells a vfork child). */
static _Atomic pid_t owner;
static _Atomic pid_t vfork_child;
static _Atomic int no_room;  /* F_DUPFD above FD_MIN refused: the fd limit is lower */
/* The directory this thread asked for last, without a hold, how many
 * names of it in a row, and the last of those.  Names, not asks: a hold
 * costs five system calls and saves a part of each walk that follows,
 * and find asks three times (statx, xattrs, open) for each directory it
 * enters, whose parent's hold then often paid for itself no more. */
static __thread uint64_t last_hash, last_name;
static __thread unsigned last_count;
/* Holds this thread has taken and not let go: a signal handler's close of
 * a held number must not wait for its own interrupted call. */
static __thread int my_holds;

void ue_lowerdirs_enable(void)
{
	atomic_store(&owner, (pid_t)UE_SYSCALL(SYS_getpid));
	atomic_store(&enabled, 1);
}

/* Not the slots' process (a system call: only where the table changes). */
static int in_vfork_child(void)
{
	pid_t self = (pid_t)UE_SYSCALL(SYS_getpid);
	if (self == atomic_load(&owner))
		return 0;
	atomic_store(&vfork_child, self);
	return 1;
}

static void release(struct slot *s, unsigned g)
{
	atomic_store_explicit(&s->gen, g + 2, memory_order_release);
}

/* Take slot s for a change: 1, or 0 when another writer has it.  A user
 * that took a hold before the claim is inside one call: waited for, or
 * with wait 0 the claim is given up (0).  A hold taken only to save time
 * is not worth a wait: with more threads than CPUs the holder may be off
 * its CPU, and each sched_yield then waits out a time slice (git status's
 * eight threads spent a third of their system time so). */
static int claim(struct slot *s, unsigned *g, int wait)
{
	*g = atomic_load(&s->gen);
	if ((*g & 1) || !atomic_compare_exchange_strong(&s->gen, g, *g + 1))
		return 0;
	while (atomic_load(&s->holds) > 0) {
		if (!wait) {
			release(s, *g);
			return 0;
		}
		sched_yield();
	}
	return 1;
}

/* The slot of set for directory h: its own under other credentials, an
 * empty one, or one not used since the last look (the looks clear the
 * marks: a slot in use keeps its directory); NULL when there is none. */
static struct slot *room(struct slot *set, uint64_t h)
{
	for (int w = 0; w < WAYS; w++)
		if (set[w].fd >= FD_MIN && set[w].hash == h)
			return &set[w];
	for (int w = 0; w < WAYS; w++)
		if (set[w].fd < FD_MIN)
			return &set[w];
	for (int w = 0; w < WAYS; w++)
		if (!atomic_load_explicit(&set[w].used, memory_order_relaxed))
			return &set[w];
	for (int w = 0; w < WAYS; w++)
		atomic_store_explicit(&set[w].used, 0, memory_order_relaxed);
	return NULL;
}

/* Open dir (len bytes of real) at a high number and put it in a slot of
 * set. */
static void hold(struct slot *set, const char *real, size_t len, uint64_t h)
{
	char dir[DIR_MAX];
	unsigned g, creds = ue_creds_generation();
	struct slot *s = room(set, h);
	if (!s || atomic_load_explicit(&s->holds, memory_order_relaxed) > 0 ||
	    atomic_load_explicit(&no_room, memory_order_relaxed) || in_vfork_child())
		return;
	memcpy(dir, real, len);
	dir[len] = '\0';
	int low = (int)UE_SYS(SYS_openat, AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (low < 0)
		return;
	int fd = (int)UE_SYS(SYS_fcntl, low, F_DUPFD_CLOEXEC, FD_MIN);
	sys_close(low);
	if (fd < 0) {
		if (fd == -EINVAL)
			atomic_store(&no_room, 1);
		return;
	}
	struct stat st;
	if (sys_fstat(fd, &st) < 0 || !claim(s, &g, 0)) {
		sys_close(fd);
		return;
	}
	int old = s->fd;
	s->fd = fd;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	atomic_store_explicit(&s->used, 1, memory_order_relaxed);
	s->creds = creds;
	s->hash = h;
	s->len = (unsigned)len;
	memcpy(s->dir, real, len);
	release(s, g);
	if (old >= FD_MIN)
		sys_close(old);
}

void ue_lowerdir_name(const char *real, int layer, struct ue_kname *k)
{
	k->fd = AT_FDCWD;
	k->name = real;
	k->slot = -1;
	if (layer <= UE_UPPER || !atomic_load_explicit(&enabled, memory_order_relaxed))
		return;
	pid_t child = atomic_load_explicit(&vfork_child, memory_order_acquire);
	if (__builtin_expect(child != 0, 0)) {
		if ((pid_t)UE_SYSCALL(SYS_getpid) == child)
			return;
		atomic_store(&vfork_child, 0);  /* the parent again: the child has exec'd or exited */
	}
	const char *slash = strrchr(real, '/');
	if (!slash || slash == real || !slash[1] || (size_t)(slash - real) >= DIR_MAX ||
	    (slash[1] == '.' && (!slash[2] || (slash[2] == '.' && !slash[3]))))
		return;
	size_t len = (size_t)(slash - real);
	uint64_t h = ue_strmap_hash(real, len);
	struct slot *set = &slots[h % (SLOTS / WAYS) * WAYS];
	for (struct slot *s = set; s < set + WAYS; s++) {
		unsigned g = atomic_load_explicit(&s->gen, memory_order_acquire);
		/* Held under other credentials: the search permission of the
		 * directories above was checked for those (a root build dropping
		 * to a user must not reach through a fd root opened). */
		if ((g & 1) || s->fd < FD_MIN || s->hash != h || s->len != len || memcmp(s->dir, real, len) ||
		    s->creds != ue_creds_generation())
			continue;
		atomic_fetch_add(&s->holds, 1);
		if (atomic_load(&s->gen) == g) {
			k->fd = s->fd;
			k->name = slash + 1;
			k->slot = (int)(s - slots);
			my_holds++;
			if (!atomic_load_explicit(&s->used, memory_order_relaxed))
				atomic_store_explicit(&s->used, 1, memory_order_relaxed);
			return;
		}
		atomic_fetch_sub(&s->holds, 1);
		return;
	}
	uint64_t name = ue_strmap_hash(slash + 1, strlen(slash + 1));
	if (last_hash != h) {
		last_hash = h;
		last_name = name;
		last_count = 1;
		return;
	}
	if (last_name == name)
		return;
	last_name = name;
	/* Not from inside another wrapper (a signal handler): its thread may
	 * hold the slot it would wait for. */
	if (++last_count >= HOLD_AFTER && !ue_cache_bypass && !my_holds)
		hold(set, real, len, h);
}

void ue_lowerdir_done(struct ue_kname *k)
{
	if (k->slot >= 0) {
		atomic_fetch_sub(&slots[k->slot].holds, 1);
		my_holds--;
	}
	k->slot = -1;
}

/* Empty slot s if it holds fd (the program's call closes it); close
 * it here too when asked. */
static void let_go(struct slot *s, int fd, int close_it)
{
	unsigned g;
	if (s->fd != fd || fd < FD_MIN)
		return;
	if (my_holds || ue_cache_bypass) {
		/* Inside a signal handler whose interrupted code holds a slot
		 * (perhaps this one): no waiting; the slot is only marked empty
		 * for the next user. */
		s->fd = -1;
		return;
	}
	/* Another writer may be about to close this very number as the
	 * slot's old fd: wait for it, so that no close of ours follows the
	 * program's. */
	while (!claim(s, &g, 1))
		sched_yield();
	if (s->fd == fd) {
		s->fd = -1;
		if (close_it)
			sys_close(fd);
	}
	release(s, g);
}

void ue_lowerdirs_forget(int fd)
{
	if (fd >= 0)
		ue_lowerdirs_forget_range((unsigned)fd, (unsigned)fd);
}

void ue_lowerdirs_forget_range(unsigned first, unsigned last)
{
	if (last < FD_MIN || !atomic_load_explicit(&enabled, memory_order_relaxed))
		return;
	/* The vfork check is a system call: made only for a number held. */
	for (int i = 0, asked = 0; i < SLOTS; i++) {
		int fd = slots[i].fd;
		if (fd < FD_MIN || (unsigned)fd < first || (unsigned)fd > last)
			continue;
		if (!asked++ && in_vfork_child())
			return;
		let_go(&slots[i], fd, 0);
	}
}

void ue_lowerdirs_release(void)
{
	if (!atomic_load_explicit(&enabled, memory_order_relaxed) || my_holds || ue_cache_bypass || in_vfork_child())
		return;
	for (int i = 0; i < SLOTS; i++)
		let_go(&slots[i], slots[i].fd, 1);
}

void ue_lowerdirs_forked(void)
{
	struct stat st;
	/* Written only where it changes: each page written here is copied for
	 * the child, which mostly execs at once (a page fault a page). */
	for (int i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[i];
		unsigned g = atomic_load(&s->gen);
		if (atomic_load(&s->holds))
			atomic_store(&s->holds, 0);
		if (g & 1) {
			/* A writer of another thread, gone in the child: the
			 * slot may be half-changed (its fd stays open). */
			s->fd = -1;
			atomic_store(&s->gen, g + 1);
		} else if (s->fd >= FD_MIN &&
		           (sys_fstat(s->fd, &st) < 0 || st.st_dev != s->dev || st.st_ino != s->ino)) {
			/* fork copies the fd table before the memory, while the
			 * other threads run: a slot a thread filled in between
			 * names an fd the child does not have, or had under that
			 * number before (the one closed for it).  Forgotten, not
			 * closed: that number may be anything here. */
			s->fd = -1;
		}
	}
	last_hash = 0;
	last_count = 0;
	my_holds = 0;
	if (atomic_load(&vfork_child))
		atomic_store(&vfork_child, 0);
	if (atomic_load(&enabled))
		atomic_store(&owner, (pid_t)UE_SYSCALL(SYS_getpid));
}

void ue_lowerdirs_reset(void)
{
	for (int i = 0; i < SLOTS; i++)
		let_go(&slots[i], slots[i].fd, 1);
	atomic_store(&no_room, 0);
	atomic_store(&enabled, 0);
	atomic_store(&vfork_child, 0);
	last_hash = 0;
	last_count = 0;
}

unsigned ue_lowerdirs_held(void)
{
	unsigned n = 0;
	for (int i = 0; i < SLOTS; i++)
		n += slots[i].fd >= FD_MIN;
	return n;
}
