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
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#define RED_ZONE 128
#define THREAD_STACK_MAX (16UL << 20)
#define ERESTARTSYS 512

/* Does [lo, hi) lie in one mapping of tid that holds a stack? */
static int stack_room(pid_t tid, unsigned long lo, unsigned long hi)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/maps", tid);
	FILE *f = fopen(path, "re");
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

/* The caller's stack pointer while it waits in the call. */
static int caller_sp(pid_t tid, unsigned long *sp)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/syscall", tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	long nr;
	unsigned long a[6];
	int n = fgets(buf, sizeof buf, f) ? sscanf(buf, "%ld %lx %lx %lx %lx %lx %lx %lx", &nr, &a[0], &a[1], &a[2], &a[3],
	                                          &a[4], &a[5], sp) : 0;
	fclose(f);
	return n == 8 ? 0 : -1;
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

/* For the trace: the calls restarted with a real path, and the string the
 * program had given, shown for the call when it comes again (under
 * pending_lock: any worker may serve it). */
#define PENDING 8
static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	pid_t tid;
	char real[UE_PATH_MAX];
	char given[PATH_MAX];
} pending[PENDING];
static unsigned next_pending;

static void remember(pid_t tid, const char *real, const char *given)
{
	if (strlen(real) >= UE_PATH_MAX || strlen(given) >= PATH_MAX)
		return;
	pthread_mutex_lock(&pending_lock);
	unsigned i = next_pending++ % PENDING;
	pending[i].tid = tid;
	strcpy(pending[i].real, real);
	strcpy(pending[i].given, given);
	pthread_mutex_unlock(&pending_lock);
}

const char *ue_restart_given(pid_t tid, const char *path)
{
	static __thread char given[PATH_MAX];
	const char *r = NULL;
	pthread_mutex_lock(&pending_lock);
	for (int i = 0; i < PENDING && !r; i++)
		if (pending[i].tid == tid && !strcmp(pending[i].real, path)) {
			pending[i].tid = 0;
			r = strcpy(given, pending[i].given);
		}
	pthread_mutex_unlock(&pending_lock);
	return r;
}

int ue_restart_place(struct ue_req *q, size_t len, struct ue_restart *r)
{
	if (caller_sp(q->tid, &r->sp) < 0)
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
	if (ptrace(PTRACE_SETREGS, tid, 0, &regs) == 0 && ue_trace_on)
		remember(tid, real, given);
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
