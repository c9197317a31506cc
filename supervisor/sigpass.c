/* Where the command is a program the preload cannot follow, started by a
 * followed process (sh's `./static &`), the supervisor takes its place:
 * the pid the shell knows, `$!`, is the supervisor's.  A signal sent to
 * that pid is meant for the program, so it is passed on: every signal
 * but those of the supervisor's own (SIGCHLD; the faults of its own
 * code; SIGPIPE of its own writes; glibc's two), the terminal's (SIGINT
 * and SIGQUIT reach the command itself, in the same process group: sent
 * again they would come twice) and job control's (jobstop.c).  Left to
 * their default, SIGUSR1, SIGALRM and the rest ended the supervisor and
 * left the program with no one to serve it. */
#include "sigpass.h"

#include <pthread.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static int own(int sig)
{
	switch (sig) {
	case SIGKILL: case SIGSTOP:
	case SIGCHLD: case SIGPIPE:
	case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGTRAP: case SIGSYS: case SIGABRT:
	case SIGINT: case SIGQUIT:
	case SIGTSTP: case SIGTTIN: case SIGTTOU: case SIGCONT:
		return 1;
	}
	/* glibc's own (thread cancellation, set*id across threads) lie below
	 * SIGRTMIN, which it moved up past them. */
	return sig > SIGSYS && sig < SIGRTMIN;
}

int ue_sv_passes(int sig)
{
	return sig >= 1 && sig <= SIGRTMAX && !own(sig);
}

void ue_sv_passed_signals(sigset_t *set)
{
	for (int sig = 1; sig <= SIGRTMAX; sig++)
		if (ue_sv_passes(sig))
			sigaddset(set, sig);
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
