/* core/state.c: the lock order and the one fork handler. */
#include "state.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int holding;

/* Holds rank r for 200 ms, saying when it has it. */
static void *hold(void *arg)
{
	enum ue_lock_rank r = (enum ue_lock_rank)(long)arg;
	ue_lock(r);
	pthread_mutex_lock(&gate);
	holding = 1;
	pthread_cond_signal(&gate_cv);
	pthread_mutex_unlock(&gate);
	struct timespec t = { 0, 200000000 };
	nanosleep(&t, NULL);
	ue_unlock(r);
	return NULL;
}

/* Fork; the child takes every lock once and exits 0.  1 when it did so in
 * time, 0 when it hung (killed after 5 s) or failed. */
static int child_locks_all(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		unsigned held = ue_locks_held;
		for (int r = 0; r < UE_LOCK_COUNT; r++) {
			if (held & (1u << r))
				continue;
			if (ue_trylock((enum ue_lock_rank)r) == 0)
				ue_unlock((enum ue_lock_rank)r);
			else if (!(ue_locks_held >> r))
				_exit(3);
		}
		_exit(0);
	}
	for (int i = 0; i < 500; i++) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0;
		struct timespec t = { 0, 10000000 };
		nanosleep(&t, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

void test_state(void)
{
	unsigned long refused = ue_lock_refusals();
	is_int(ue_lock(UE_LOCK_FDTAB), 0, "state: a lock is taken");
	is_int(ue_locks_held, 1u << UE_LOCK_FDTAB, "state: the thread knows it holds it");
	is_int(ue_lock(UE_LOCK_NODECACHE), 0, "state: a later rank may be taken while holding an earlier");
	is_int(ue_lock(UE_LOCK_CWD), -EDEADLK, "state: an earlier rank is refused, never waited for");
	is_int(ue_lock(UE_LOCK_NODECACHE), -EDEADLK, "state: a lock held by this very thread is refused");
	is_int(ue_trylock(UE_LOCK_RENAME), -EDEADLK, "state: trylock follows the order too");
	is_int(ue_lock_refusals() - refused, 3, "state: the refusals are counted");
	ue_unlock(UE_LOCK_NODECACHE);
	ue_unlock(UE_LOCK_FDTAB);
	is_int(ue_locks_held, 0, "state: released");

	/* Each lock held by another thread while this one forks: the fork
	 * waits for it, and the child finds every lock free. */
	for (int r = 0; r < UE_LOCK_COUNT; r++) {
		pthread_t t;
		holding = 0;
		pthread_create(&t, NULL, hold, (void *)(long)r);
		pthread_mutex_lock(&gate);
		while (!holding)
			pthread_cond_wait(&gate_cv, &gate);
		pthread_mutex_unlock(&gate);
		ok(child_locks_all(), "state: fork while another thread holds lock %d: the child takes every lock", r);
		pthread_join(t, NULL);
	}

	/* A fork from inside a critical section of this thread (a signal
	 * handler's): the child keeps what it holds, the rest is free. */
	ue_lock(UE_LOCK_CWD);
	ok(child_locks_all(), "state: fork inside this thread's critical section: the child is not stuck");
	ue_unlock(UE_LOCK_CWD);
}
