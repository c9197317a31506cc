/* Where the command is a program the preload cannot follow, started by a
 * followed process (sh's `./static &`), the supervisor takes its place:
 * the pid the shell knows, `$!`, is the supervisor's.  A signal sent to
 * that pid is meant for the program, so it is passed on.  Left to their
 * default, SIGUSR1, SIGALRM and the rest ended the supervisor and left
 * the program with no one to serve it; SIGINT was waited out, so that
 * `timeout -s INT` or python's send_signal(SIGINT) never reached it.
 * Not passed on: SIGCHLD, the supervisor's own; SIGCONT, which jobstop.c
 * follows; and what the terminal sends its foreground process group (^C,
 * ^\, ^Z, a resize, a hangup; SIGTTIN and SIGTTOU to a background job
 * at the terminal), which the command, in that group, has already.  A
 * stop sent by a process (`kill -TSTP $!`) is passed on too: left to its
 * default it stopped the supervisor alone, and the program ran on until
 * its next served call; now the program stops, and the supervisor
 * follows its stop (jobstop.c), so that the shell sees its job stopped.
 * A fault of the supervisor's own code is delivered to it though blocked
 * (the kernel forces it), and abort unblocks SIGABRT. */
#include "sigpass.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int never_passed(int sig)
{
	switch (sig) {
	case SIGKILL: case SIGSTOP: case SIGCHLD: case SIGCONT:
		return 1;
	}
	/* glibc's own (thread cancellation, set*id across threads) lie below
	 * SIGRTMIN, which it moved up past them. */
	return sig > SIGSYS && sig < SIGRTMIN;
}

static int from_terminal(int sig, int code)
{
	return (sig == SIGINT || sig == SIGQUIT || sig == SIGWINCH || sig == SIGHUP || sig == SIGTSTP ||
	        sig == SIGTTIN || sig == SIGTTOU) && code == SI_KERNEL;
}

int ue_sv_passes(int sig, int code)
{
	return sig >= 1 && sig <= SIGRTMAX && !never_passed(sig) && !from_terminal(sig, code);
}

void ue_sv_passed_signals(sigset_t *set)
{
	for (int sig = 1; sig <= SIGRTMAX; sig++)
		if (!never_passed(sig))
			sigaddset(set, sig);
}

/* A signal queued with a value (sigqueue, kill -q) is queued on with it,
 * and with its sender's pid and uid, which the kernel lets a queued
 * signal carry; the rest are sent again, from this process. */
void ue_sv_pass(pid_t pid, const struct signalfd_siginfo *si)
{
	if (si->ssi_code == SI_QUEUE) {
		siginfo_t info;
		memset(&info, 0, sizeof info);
		info.si_signo = (int)si->ssi_signo;
		info.si_code = SI_QUEUE;
		info.si_pid = (pid_t)si->ssi_pid;
		info.si_uid = si->ssi_uid;
		info.si_value.sival_ptr = (void *)(uintptr_t)si->ssi_ptr;
		if (syscall(SYS_rt_sigqueueinfo, pid, (int)si->ssi_signo, &info) == 0)
			return;
	}
	kill(pid, (int)si->ssi_signo);
}

/* A command ended by a signal ends the supervisor by the same signal, so
 * that its parent sees what it would have seen of the program itself:
 * a shell its "Segmentation fault" and 139, python's subprocess a
 * returncode of -11, make its "Killed".  An exit status of 128+N said
 * "exited" where the program had been killed.  No core of the
 * supervisor: the command's own was dumped where one is wanted. */
int ue_sv_end_as(int status)
{
	if (!WIFSIGNALED(status))
		return WEXITSTATUS(status);
	int sig = WTERMSIG(status);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	signal(sig, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	return 128 + sig;
}
