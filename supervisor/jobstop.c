/* jobstop.c: the command's stop is the supervisor's (docs/design.md, "Who
 * is filtered").  A shell sees its job stop when its child stops, and that
 * child is the supervisor.  The terminal's ^Z reaches the whole process
 * group, the supervisor included, so that stop needs nothing; a stop of
 * the command alone (a program suspending itself with SIGTSTP to its own
 * pid, a SIGSTOP sent to it) left the shell waiting on a running
 * supervisor, with no prompt, for ever.  So the supervisor stops with the
 * same signal, and the shell's `fg` or `bg` (SIGCONT to the group)
 * continues both. */
#include "jobstop.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Is pid stopped now (state T of /proc/PID/stat)?  A report of a stop
 * may come after the stop ended: after a ^Z, the supervisor reads its
 * child's stop only once the group's SIGCONT woke them both. */
static int stopped(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	/* "PID (COMM) S ...": COMM may hold anything, so from the last ')'. */
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'T';
}

/* Take a pending SIGCONT (blocked): 1 when there was one. */
static int take_cont(void)
{
	sigset_t c;
	sigemptyset(&c);
	sigaddset(&c, SIGCONT);
	struct timespec zero = { 0, 0 };
	return sigtimedwait(&c, NULL, &zero) == SIGCONT;
}

void ue_sv_follow_stop(pid_t pid, int sig)
{
	if (!stopped(pid))
		return;
	take_cont();
	/* SIGTSTP, SIGTTIN and SIGTTOU are blocked here (read from the
	 * signalfd, sigpass.c): sent to oneself, the stop waits in the queue
	 * until it is unblocked, and acts then, before the mask is set back.
	 * One the kernel discards (in an orphaned process group) does not
	 * stop, and no SIGCONT follows. */
	sigset_t one, was;
	sigemptyset(&one);
	sigaddset(&one, sig);
	kill(getpid(), sig);
	pthread_sigmask(SIG_UNBLOCK, &one, &was);
	pthread_sigmask(SIG_SETMASK, &was, NULL);
	/* Continued by the process, not the group (kill -CONT of the
	 * supervisor): the command waits for its SIGCONT from here. */
	if (take_cont() && stopped(pid))
		kill(pid, SIGCONT);
}
