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
