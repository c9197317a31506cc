/* The locks of the library, in one array indexed by rank, and the one fork
 * handler that follows their order (core/state.h says why each exists). */
#include "state.h"
#include "cwd.h"
#include "fdnames.h"
#include "lowerdirs.h"
#include "nodecache.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

__thread unsigned ue_locks_held;

/* Adaptive: a thread finding a lock taken spins a while before it sleeps.
 * The sections are a few hash lookups long, and a program's threads
 * stat'ing at once (git status's preloaded index) slept in the kernel at
 * one lookup in twelve. */
#define LOCK_INIT PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
static pthread_mutex_t locks[UE_LOCK_COUNT] = {
	LOCK_INIT, LOCK_INIT, LOCK_INIT, LOCK_INIT, LOCK_INIT, LOCK_INIT,
};
_Static_assert(UE_LOCK_COUNT == 6, "one initialiser per lock");

static _Atomic unsigned long refusals;

int ue_lock(enum ue_lock_rank r)
{
	if (!ue_lock_may(r)) {
		atomic_fetch_add_explicit(&refusals, 1, memory_order_relaxed);
		return -EDEADLK;
	}
	pthread_mutex_lock(&locks[r]);
	ue_locks_held |= 1u << r;
	return 0;
}

int ue_trylock(enum ue_lock_rank r)
{
	if (!ue_lock_may(r)) {
		atomic_fetch_add_explicit(&refusals, 1, memory_order_relaxed);
		return -EDEADLK;
	}
	if (pthread_mutex_trylock(&locks[r]) != 0)
		return -EBUSY;
	ue_locks_held |= 1u << r;
	return 0;
}

void ue_unlock(enum ue_lock_rank r)
{
	ue_locks_held &= ~(1u << r);
	pthread_mutex_unlock(&locks[r]);
}

unsigned long ue_lock_refusals(void)
{
	return atomic_load_explicit(&refusals, memory_order_relaxed);
}

/* Whether this thread's prepare took the locks (per thread: two threads may
 * fork at once; the second waits in prepare for the first's locks). */
static __thread int fork_took_locks;

static void fork_prepare(void)
{
	fork_took_locks = ue_locks_held == 0;
	if (!fork_took_locks)
		return;  /* a fork from a signal handler inside a critical section */
	for (int r = 0; r < UE_LOCK_COUNT; r++)
		pthread_mutex_lock(&locks[r]);
}

static void fork_parent(void)
{
	if (fork_took_locks)
		for (int r = UE_LOCK_COUNT - 1; r >= 0; r--)
			pthread_mutex_unlock(&locks[r]);
}

static void fork_child(void)
{
	if (fork_took_locks) {
		for (int r = UE_LOCK_COUNT - 1; r >= 0; r--)
			pthread_mutex_unlock(&locks[r]);
	} else {
		/* Other threads' locks have no holder here; what they guarded
		 * may be half-changed: the node cache goes. */
		for (int r = 0; r < UE_LOCK_COUNT; r++)
			if (!(ue_locks_held & (1u << r)))
				locks[r] = (pthread_mutex_t)LOCK_INIT;
		if (!(ue_locks_held & (1u << UE_LOCK_NODECACHE)))
			ue_cache_abandon();
		if (!(ue_locks_held & (1u << UE_LOCK_FDNAMES)))
			ue_fdnames_abandon();
	}
	ue_lowerdirs_forked();
	ue_cwd_forked();
}

/* Registered before main and before any thread the program makes. */
__attribute__((constructor)) static void state_register_fork_handler(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}
