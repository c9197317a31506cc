/* chdir and execve of a name only the union holds: the kernel must do them,
 * and it reads the path argument from the caller's memory again, so an
 * answer cannot change it.  Here the caller's call is restarted with its
 * path argument pointing at the real path (docs/design.md, "Serving one
 * call"): the thread, waiting in the notification, is interrupted with
 * ptrace (the supervisor is its ancestor, and a subreaper), which
 * withdraws the notification and leaves the call to be restarted; the
 * real path is written below its stack pointer, past the red zone, the
 * argument register set to it, and the thread let go.  The restarted call
 * comes back as a new notification naming a real path, outside the
 * mount, which the kernel may do itself.
 *
 * Used only for these calls, only when the caller's own path does not
 * reach the union's object, and only on a stack with room: the main
 * thread's [stack], or an anonymous mapping no larger than a thread's
 * stack (a Go heap arena, where goroutine stacks live, is larger). */
#include "restart.h"
#include "trace.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#define RED_ZONE 128
#define THREAD_STACK_MAX (16UL << 20)
#define ERESTARTSYS 512

/* /proc/TID/WHAT, read as the supervisor: a caller that dropped from
 * root (pjdfstest's -u) is not dumpable, and these files are root's
 * alone (its O_RDWR open of a fifo failed ENOENT). */
static FILE *proc_open(pid_t tid, const char *what)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", tid, what);
	ue_sv_as_self(1);
	FILE *f = fopen(path, "re");
	ue_sv_as_self(0);
	return f;
}

/* Does [lo, hi) lie in one mapping of tid that holds a stack? */
static int stack_room(pid_t tid, unsigned long lo, unsigned long hi)
{
	char line[512];
	FILE *f = proc_open(tid, "maps");
	int ok = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long start, end, off, inode;
		char perms[8], dev[16], name[256] = "";
		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %255s", &start, &end, perms, &off, dev, &inode, name) < 6)
			continue;
		if (hi <= start || lo >= end)
			continue;
		ok = lo >= start && hi <= end && !strncmp(perms, "rw", 2) &&
		     (!strcmp(name, "[stack]") || (inode == 0 && !name[0] && end - start <= THREAD_STACK_MAX));
		break;
	}
	fclose(f);
	return ok;
}

/* The stack pointer of tid while it is in a call: 0, -EAGAIN while the
 * kernel says it is "running", else -1. */
static int syscall_sp(pid_t tid, unsigned long *sp)
{
	char buf[256];
	FILE *f = proc_open(tid, "syscall");
	if (!f)
		return -1;
	long nr;
	unsigned long a[6];
	int n = fgets(buf, sizeof buf, f) ? sscanf(buf, "%ld %lx %lx %lx %lx %lx %lx %lx", &nr, &a[0], &a[1], &a[2], &a[3],
	                                          &a[4], &a[5], sp) : 0;
	fclose(f);
	return n == 8 ? 0 : !strncmp(buf, "running", 7) ? -EAGAIN : -1;
}

/* The caller's stack pointer while it waits in the call.  The worker
 * is woken on the caller's CPU (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) and
 * may preempt it before it has gone to sleep in the notification; it is
 * then runnable, and the kernel says "running" rather than stop to
 * look.  The restart of sh's `echo b >fifo` failed with ENOENT so, its
 * reader left waiting for ever (fifos.sh, 1 run in 15 as uid 65534).
 * So the caller is let run (sched_yield) and asked again until it sleeps,
 * or the notification is gone: under a CPU burner, 32 of 300 runs of
 * fifos.sh's script met it, each answered after one yield. */
static int caller_sp(const struct ue_req *q, unsigned long *sp)
{
	for (int i = 0; i < 10000; i++) {
		int r = syscall_sp(q->tid, sp);
		if (r != -EAGAIN)
			return r;
		if (!ue_caller_valid(q))
			return -1;
		sched_yield();
	}
	return -1;
}

/* Wait for the thread's stop; its ptrace stop code in *code (the event
 * above the signal), or -1 when it died first.  The death is only looked
 * at, never collected (WNOWAIT): the thread may be the command itself,
 * whose exit status main.c's loop must collect and pass on; collected
 * here, the loop waited for it for ever, and spun on the listener's
 * POLLHUP once the rest of the tree had ended.  A stop is left
 * uncollected too: PTRACE_DETACH replaces it. */
static int wait_stop(pid_t tid, int *code)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	while (waitid(P_PID, (id_t)tid, &si, WEXITED | WSTOPPED | __WALL | WNOWAIT) < 0)
		if (errno != EINTR)
			return -1;
	if (si.si_pid != tid || si.si_code != CLD_TRAPPED)
		return -1;
	*code = si.si_status;
	return 0;
}

/* Let the thread go; the notification must be gone by now (interrupted),
 * else it is answered with an error: a caller is never left waiting. */
static long let_go(struct ue_req *q, int sig)
{
	ptrace(PTRACE_DETACH, q->tid, 0, sig);
	return ue_caller_valid(q) ? -ENOENT : UE_SV_RESTARTED;
}

/* From PTRACE_SEIZE to PTRACE_DETACH a thread of the tree is traced by
 * the worker restarting its call, and its ptrace stop is reported to a
 * wait of any thread of the supervisor: main.c's collection of exits
 * (waitpid of any child) must not take it meanwhile, nor follow it as a
 * stop of the command (ue_restart_waits_lock). */
static pthread_mutex_t traced_lock = PTHREAD_MUTEX_INITIALIZER;

void ue_restart_waits_lock(void) { pthread_mutex_lock(&traced_lock); }
void ue_restart_waits_unlock(void) { pthread_mutex_unlock(&traced_lock); }

/* The calls restarted, one a thread (by tid % INFLIGHT; a newer one of
 * another thread takes the slot).  A signal whose handler runs after the
 * restart (delivered as the thread is let go, or while the kernel waits in
 * the restarted call: a fifo's open) builds its frame just below the
 * caller's stack pointer, over the block; with SA_RESTART (sh's SIGCHLD)
 * the call comes again after the handler with its argument still at the
 * block, whose path is now the frame's bytes (ENOENT: a fifo's reader
 * signalled as it waits for its writer, supervisor-restart-signals.sh).
 * So when the thread's
 * call comes again with the block's address, the block is read back, and
 * a block that is not as written is written again by a second restart
 * (ue_restart_recheck).  The entry also gives the trace the program's own
 * string for the call.  Under inflight_lock: any worker may serve it. */
#define INFLIGHT 64
static pthread_mutex_t inflight_lock = PTHREAD_MUTEX_INITIALIZER;
static struct inflight {
	pid_t tid;  /* 0: free; read without the lock by the check's first look */
	long nr;
	unsigned args;
	unsigned long vals[6];
	struct ue_restart r;
	void *block;
	char *real, *given;
} inflight[INFLIGHT];

static struct inflight *slot_of(pid_t tid) { return &inflight[(unsigned)tid % INFLIGHT]; }

static void inflight_clear(struct inflight *e)
{
	__atomic_store_n(&e->tid, 0, __ATOMIC_RELEASE);
	free(e->block);
	free(e->real);
	free(e->given);
	e->block = e->real = e->given = NULL;
}

static void remember(const struct ue_req *q, const struct ue_restart *r, const void *block, unsigned args,
                     const unsigned long vals[6], const char *real, const char *given)
{
	void *copy = malloc(r->len);
	char *rc = strdup(real), *gc = strdup(given);
	pthread_mutex_lock(&inflight_lock);
	struct inflight *e = slot_of(q->tid);
	inflight_clear(e);
	if (copy && rc && gc) {
		e->nr = (long)q->n->data.nr;
		e->args = args;
		memcpy(e->vals, vals, sizeof e->vals);
		e->r = *r;
		e->block = memcpy(copy, block, r->len);
		e->real = rc;
		e->given = gc;
		__atomic_store_n(&e->tid, q->tid, __ATOMIC_RELEASE);
		copy = rc = gc = NULL;
	}
	pthread_mutex_unlock(&inflight_lock);
	free(copy);
	free(rc);
	free(gc);
}

const char *ue_restart_given(pid_t tid, const char *path)
{
	static __thread char given[PATH_MAX];
	const char *r = NULL;
	struct inflight *e = slot_of(tid);
	pthread_mutex_lock(&inflight_lock);
	if (e->tid == tid && !strcmp(e->real, path) && strlen(e->given) < sizeof given)
		r = strcpy(given, e->given);
	pthread_mutex_unlock(&inflight_lock);
	return r;
}

int ue_restart_place(struct ue_req *q, size_t len, struct ue_restart *r)
{
	if (caller_sp(q, &r->sp) < 0)
		return -ENOENT;
	r->addr = (r->sp - RED_ZONE - len) & ~15UL;
	r->len = len;
	/* no memory of the caller's to put the block in */
	return stack_room(q->tid, r->addr, r->sp) ? 0 : -ENOENT;
}

/* The register that carries argument i of a system call (x86-64). */
static unsigned long long *arg_reg(struct user_regs_struct *regs, int i)
{
	switch (i) {
	case 0: return &regs->rdi;
	case 1: return &regs->rsi;
	case 2: return &regs->rdx;
	case 3: return &regs->r10;
	case 4: return &regs->r8;
	default: return &regs->r9;
	}
}

static long restart_call(struct ue_req *q, const struct ue_restart *r, const void *block, unsigned args,
                         const unsigned long vals[6], const char *real, const char *given)
{
	pid_t tid = q->tid;
	int st;
	struct user_regs_struct regs;
	if (ptrace(PTRACE_SEIZE, tid, 0, 0) < 0)
		return -ENOENT;  /* traced already (a debugger): cannot be served */
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 || wait_stop(tid, &st) < 0)
		return let_go(q, 0);
	if (st >> 8 != PTRACE_EVENT_STOP)
		/* A signal arrived first: deliver it (its handler would use the
		 * stack below sp); the call is rewritten when it comes again. */
		return let_go(q, st & 0xff);
	if (ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0 || (long)regs.orig_rax != (long)q->n->data.nr ||
	    (long)regs.rax != -ERESTARTSYS || regs.rsp != r->sp)
		return let_go(q, 0);
	struct iovec local = { (void *)block, r->len }, remote = { (void *)r->addr, r->len };
	if (process_vm_writev(tid, &local, 1, &remote, 1, 0) != (ssize_t)r->len)
		return let_go(q, 0);
	for (int i = 0; i < 6; i++)
		if (args & 1u << i)
			*arg_reg(&regs, i) = vals[i];
	/* Remembered before the thread goes: the call may come again at once,
	 * to another worker. */
	if (ptrace(PTRACE_SETREGS, tid, 0, &regs) == 0)
		remember(q, r, block, args, vals, real, given);
	return let_go(q, 0);
}

long ue_restart_call(struct ue_req *q, const struct ue_restart *r, const void *block, unsigned args,
                     const unsigned long vals[6], const char *real, const char *given)
{
	ue_restart_waits_lock();
	long ret = restart_call(q, r, block, args, vals, real, given);
	ue_restart_waits_unlock();
	return ret;
}

long ue_restart_with_path(struct ue_req *q, int argi, const char *path, const char *given)
{
	struct ue_restart r;
	unsigned long vals[6] = { 0 };
	if (argi < 0 || argi > 1 || ue_restart_place(q, strlen(path) + 1, &r) < 0)
		return -ENOENT;
	vals[argi] = r.addr;
	return ue_restart_call(q, &r, path, 1u << argi, vals, path, given);
}

/* The entry's call, come again: the same call, its arguments the ones
 * the restart set. */
static int same_call(const struct inflight *e, const struct ue_req *q)
{
	if ((long)q->n->data.nr != e->nr)
		return 0;
	for (int i = 0; i < 6; i++)
		if (e->args & 1u << i && q->n->data.args[i] != e->vals[i])
			return 0;
	return 1;
}

long ue_restart_recheck(struct ue_req *q)
{
	struct inflight *e = slot_of(q->tid);
	if (__atomic_load_n(&e->tid, __ATOMIC_ACQUIRE) != q->tid)
		return 0;
	pthread_mutex_lock(&inflight_lock);
	if (e->tid != q->tid || !same_call(e, q)) {
		/* the thread has gone on to another call: that one is done */
		if (e->tid == q->tid)
			inflight_clear(e);
		pthread_mutex_unlock(&inflight_lock);
		return 0;
	}
	struct ue_restart r = e->r;
	char *now = malloc(r.len);
	int intact = !now || ue_caller_read(q, r.addr, now, r.len) < 0 || !memcmp(now, e->block, r.len);
	free(now);
	if (intact) {
		pthread_mutex_unlock(&inflight_lock);
		return 0;
	}
	/* Written over: taken out of the table, to be restarted again (or
	 * dropped) without the lock held while the caller is asked for its
	 * stack pointer. */
	struct inflight again = *e;
	e->block = e->real = e->given = NULL;
	inflight_clear(e);
	pthread_mutex_unlock(&inflight_lock);
	unsigned long sp;
	/* By a frame below the very stack pointer the block was placed under
	 * (a call at another depth with the same address would be the
	 * program's own, its string below its stack pointer: none). */
	long ret = caller_sp(q, &sp) == 0 && sp == r.sp
	                   ? ue_restart_call(q, &r, again.block, again.args, again.vals, again.real, again.given)
	                   : 0;
	free(again.block);
	free(again.real);
	free(again.given);
	return ret;
}
