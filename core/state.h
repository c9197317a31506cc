/* The library's shared state and its locks: the one place that says which
 * lock guards what and in which order they are taken.
 *
 * LOCK ORDER (take a lock only while every lock held has a lower rank):
 *
 *   1 UE_LOCK_RENAME     core/shm.c       directory renames among this process's
 *                                         threads (with the record lock on the
 *                                         segment's file among processes), and
 *                                         the lower map's writers
 *   2 UE_LOCK_FDTAB      preload/fdtab.c  the table of fds open on lower files;
 *                                         held while it resolves a path
 *   3 UE_LOCK_GETDENTS   preload/dir.c    the listings served to getdents64;
 *                                         held while it lists a directory
 *   4 UE_LOCK_CWD        core/cwd.c       the writers of the current directory
 *                                         (readers: a sequence counter)
 *   5 UE_LOCK_FDNAMES    core/fdnames.c   the union names of this process's fds
 *                                         (their bits: lock-free)
 *   6 UE_LOCK_NODECACHE  core/nodecache.c the node cache and the ring position
 *                                         it has applied; core/lowermarks.c the
 *                                         lower directories' markers
 *
 * Lock-free, no lock needed: posting to the change ring and the rename log
 * (an atomic counter and a per-slot sequence number), reading the lower map
 * (a sequence counter), the interned redirect records (a CAS list), the
 * fd tables' bits and the libc functions behind LIBC() (atomics).
 *
 * Signals: a signal handler may call a wrapper while its thread holds a
 * lock.  Every lock is taken through ue_lock, which keeps the locks this
 * thread holds (ue_locks_held, a per-thread critical-section mask), and
 * refuses (-EDEADLK, never blocks) a lock whose rank is not above all of
 * them: the caller then does without (a cache miss, an fd not tracked, a
 * listing made afresh, the current directory taken from the kernel).
 * Readers under a sequence counter never wait for a writer of their own
 * thread.  Besides, a wrapper inside a wrapper does not use the node cache
 * (ue_cache_bypass): the cache allocates, and the interrupted code may be
 * inside malloc.
 *
 * fork: ONE fork handler (core/state.c).  Before the fork it takes every
 * lock in rank order, so no other thread is inside a critical section when
 * the process is copied; after it the parent and the child release them,
 * and the child resets what belongs to one process (the current directory's
 * owner).  A fork from a signal handler that interrupted this thread inside
 * a critical section cannot wait for its own locks: then nothing is taken,
 * and the child re-initialises the locks it does not hold itself (their
 * holders do not exist in the child) and drops its node cache, which may
 * have been half-changed.
 *
 * vfork (and posix_spawn's clone(CLONE_VM|CLONE_VFORK)): no fork handler
 * runs; the child shares our memory, and the thread that called vfork is
 * suspended.  Wrappers in the child take locks as any thread would (the
 * other threads of the parent release theirs), always release them before
 * exec or _exit, post changes lock-free, and keep a directory change to
 * themselves (core/cwd.c: the child is told by its pid).
 */
#ifndef UE_STATE_H
#define UE_STATE_H

enum ue_lock_rank {
	UE_LOCK_RENAME,
	UE_LOCK_FDTAB,
	UE_LOCK_GETDENTS,
	UE_LOCK_CWD,
	UE_LOCK_FDNAMES,
	UE_LOCK_NODECACHE,
	UE_LOCK_COUNT
};

/* The locks this thread holds, one bit per rank: its critical sections. */
extern __thread unsigned ue_locks_held;

/* May this thread take lock r now (it holds none of rank r or above)? */
static inline int ue_lock_may(enum ue_lock_rank r)
{
	return (ue_locks_held >> r) == 0;
}

/* 0 once held; -EDEADLK (nothing taken) when the order forbids it. */
int ue_lock(enum ue_lock_rank r);
/* 0 once held; -EBUSY when another thread holds it; -EDEADLK as ue_lock. */
int ue_trylock(enum ue_lock_rank r);
void ue_unlock(enum ue_lock_rank r);

/* Locks refused for their order since the start (a test's measure). */
unsigned long ue_lock_refusals(void);

#endif
