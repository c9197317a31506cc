/* The listener loop: receive a notification, serve it with its handler,
 * answer.  The preload's implementations act for the request's caller
 * while it is served (ue_serving, preload/wrap.h).
 *
 * Several workers may serve at once (UNIONENV_SUPERVISE_THREADS; one by
 * default: docs/design.md, "The workers"):
 * each blocks in its own SECCOMP_IOCTL_NOTIF_RECV on the one listener,
 * and the kernel gives each notification to one of them, so that the
 * callers of a parallel build do not queue behind one thread.  What a
 * worker owns: its credentials (fsuid, fsgid, groups: per thread in the
 * kernel, set by raw calls, creds.c), its umask and current directory
 * (CLONE_FS unshared, but by the first worker, which shares main's: main
 * creates nothing), its buffers (__thread), the request it serves and the
 * caller core/ acts for (ue_serving).  What they share, each under its
 * own lock: the credentials read of each thread (creds.c), the fds to
 * move after a copy-up (fdswap.c), the calls being restarted
 * (restart.c), and core/'s caches and segment, whose locks are made for
 * the threads of a preloaded process. */
#include "loop.h"
#include "fdswap.h"
#include "request.h"
#include "restart.h"
#include "serve.h"
#include "syscalls.h"
#include "trace.h"
#include "wrap.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define WORKERS_MAX 64

static int trace;  /* UNIONENV_SUPERVISE_TRACE: read before any worker starts */
static pthread_once_t trace_once = PTHREAD_ONCE_INIT;

static void trace_init(void)
{
	trace = getenv("UNIONENV_SUPERVISE_TRACE") != NULL;
}

int ue_loop_serve_one(int listener)
{
	struct seccomp_notif n;
	struct seccomp_notif_resp resp;
	struct ue_req q;
	memset(&n, 0, sizeof n);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0)
		return errno == EINTR ? 0 : -errno;  /* ENOENT: the caller died meanwhile, or none is left */
	pthread_once(&trace_once, trace_init);
	ue_req_init(&q, listener, &n);
	ue_sv_handler serve = ue_sv_handler_of(n.data.nr);
	/* The filter sends only the calls of the table; anything else would be
	 * a filter out of step with it: refused, never continued. */
	if (ue_trace_on)
		ue_trace_begin_for(ue_sv_call_name(n.data.nr), q.tid);
	/* The caller's fds on files another process copied up move before
	 * anything is served for it (fdswap.h). */
	ue_fdswap_check(&q);
	long r = ue_restart_recheck(&q);
	if (r == 0) {
		ue_serving = &q.who;
		r = serve ? serve(&q) : -ENOSYS;
		ue_serving = NULL;
	}
	ue_long_release();
	if (ue_trace_on) {
		if (r == UE_SV_SENT)
			ue_trace_end_words("fd");
		else if (r == UE_SV_RESTARTED)
			ue_trace_end_words("restarted");
		else if (r == UE_SV_CONTINUE)
			ue_trace_end_words("kernel");
		else
			ue_trace_end(r, 0, 0);
	}
	ue_req_done(&q);
	if (trace)
		fprintf(stderr, "unionenv-supervise: %d %s -> %s%ld\n", q.tid, ue_sv_call_name(n.data.nr),
		        r == UE_SV_CONTINUE ? "continue " : r == UE_SV_SENT ? "fd " : r == UE_SV_RESTARTED ? "restarted " : "",
		        r);
	if (r == UE_SV_SENT || r == UE_SV_RESTARTED)
		return 0;
	/* ...and those on files this very call copied up, before it returns
	 * (an answer sent with an fd did this in sv_inject). */
	ue_fdswap_check(&q);
	memset(&resp, 0, sizeof resp);
	resp.id = n.id;
	if (r == UE_SV_CONTINUE)
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (r < 0)
		resp.error = (int)(r < -4095 ? -EIO : r);
	else
		resp.val = r;
	/* ENOENT: the caller is gone (killed while waiting). */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

unsigned ue_loop_workers_wanted(void)
{
	const char *v = getenv("UNIONENV_SUPERVISE_THREADS");
	if (v && *v) {
		char *end;
		unsigned long k = strtoul(v, &end, 10);
		if (!*end && k >= 1 && k <= WORKERS_MAX)
			return (unsigned)k;
	}
	/* Two by default: a parallel build's callers are served side by
	 * side (make -j2 of 200 modules: wall 0.86x, CPU 0.97x of one
	 * worker's), for a wake-up more per call of a caller alone
	 * (docs/design.md, "The workers"). */
	return 2;
}

struct worker {
	int listener;
	int first;  /* shares main's CLONE_FS (main creates nothing) */
};

static struct worker workers[WORKERS_MAX];
/* Workers not yet ended, under alive_lock (ue_loop_finish waits for 0). */
static pthread_mutex_t alive_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t alive_cond = PTHREAD_COND_INITIALIZER;
static unsigned alive;

static void ended(void)
{
	pthread_mutex_lock(&alive_lock);
	alive--;
	pthread_cond_broadcast(&alive_cond);
	pthread_mutex_unlock(&alive_lock);
}
static int failed_fd = -1;
static int failure;  /* the first worker's -errno, then failed_fd is written */

static void *work(void *arg)
{
	const struct worker *w = arg;
	/* Its own umask (set per caller that creates, creds.c): a worker
	 * that cannot have one does not serve. */
	if (!w->first && unshare(CLONE_FS) < 0) {
		ended();
		return NULL;
	}
	for (;;) {
		int r = ue_loop_serve_one(w->listener);
		if (r == 0)
			continue;
		if (r == -ENOENT) {
			/* Nothing received: a caller that died while waiting, or
			 * no filtered task left (a receive then returns at once). */
			struct pollfd pf = { w->listener, POLLIN, 0 };
			if (poll(&pf, 1, -1) < 0 && errno != EINTR)
				break;
			if ((pf.revents & (POLLHUP | POLLERR)) && !(pf.revents & POLLIN))
				break;
			continue;
		}
		int expected = 0;
		if (__atomic_compare_exchange_n(&failure, &expected, r, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			uint64_t one = 1;
			if (write(failed_fd, &one, sizeof one) < 0)
				abort();  /* main could not learn it: never leave the tree waiting unserved */
		}
		break;
	}
	ended();
	return NULL;
}

void ue_loop_finish(void)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_mutex_lock(&alive_lock);
	while (alive && pthread_cond_timedwait(&alive_cond, &alive_lock, &until) == 0)
		;
	pthread_mutex_unlock(&alive_lock);
}

int ue_loop_failure(void)
{
	return __atomic_load_n(&failure, __ATOMIC_SEQ_CST);
}

int ue_loop_start(int listener, unsigned n)
{
	pthread_attr_t attr;
	pthread_t t;
	unsigned started = 0;
	pthread_once(&trace_once, trace_init);
	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	failed_fd = eventfd(0, EFD_CLOEXEC);
	if (failed_fd < 0)
		return -errno;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (unsigned i = 0; i < n; i++) {
		workers[i] = (struct worker){ listener, i == 0 };
		pthread_mutex_lock(&alive_lock);
		alive++;
		pthread_mutex_unlock(&alive_lock);
		if (pthread_create(&t, &attr, work, &workers[i]) == 0) {
			started++;
		} else {
			ended();
			if (i == 0)
				break;
		}
	}
	pthread_attr_destroy(&attr);
	if (!started) {
		close(failed_fd);
		failed_fd = -1;
		return -EAGAIN;
	}
	return failed_fd;
}
