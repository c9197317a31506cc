/* exec-loop N MODE PROGRAM: start PROGRAM N times and wait for each,
 * by fork+execv (a shell's way) or posix_spawn (make's way); print the
 * microseconds per start.  For tests/bench/exec-bench.sh. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	long n = atol(argv[1]);
	char *args[] = { argv[3], NULL };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		pid_t pid;
		int st;
		if (!strcmp(argv[2], "spawn")) {
			if (posix_spawn(&pid, argv[3], NULL, NULL, args, environ))
				return 1;
		} else if ((pid = fork()) == 0) {
			execv(argv[3], args);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n);
	return 0;
}
