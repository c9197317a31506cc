/* starters METHOD PROGRAM [ARG...]: start PROGRAM by one of the exec paths
 * the library wraps, wait for it, and print one line: "ran N" (its exit
 * status) or "refused ERRNO-NAME" when the start failed.  METHOD: execve,
 * execv, execvp, execvpe, execl, execlp, execveat, execveat-empty,
 * fexecve, posix_spawn, posix_spawnp, system, popen, vfork.
 * tests/scenarios/unfollowed.sh runs it under unionenv. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *errname(int e)
{
	switch (e) {
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ENOEXEC: return "ENOEXEC";
	case EPERM: return "EPERM";
	default: return strerror(e);
	}
}

static int report_wait(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return printf("refused waitpid %s\n", errname(errno)), 1;
	printf("ran %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}

/* The exec family: in a child, which reports a failed exec through a pipe. */
static int exec_in_child(const char *m, char **argv)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return 2;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (!strcmp(m, "execve"))
			execve(argv[0], argv, environ);
		else if (!strcmp(m, "execv"))
			execv(argv[0], argv);
		else if (!strcmp(m, "execvp"))
			execvp(argv[0], argv);
		else if (!strcmp(m, "execvpe"))
			execvpe(argv[0], argv, environ);
		else if (!strcmp(m, "execl"))
			execl(argv[0], argv[0], argv[1], (char *)NULL);
		else if (!strcmp(m, "execlp"))
			execlp(argv[0], argv[0], argv[1], (char *)NULL);
		else if (!strcmp(m, "execveat"))
			execveat(AT_FDCWD, argv[0], argv, environ, 0);
		else if (!strcmp(m, "execveat-empty") || !strcmp(m, "fexecve")) {
			int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
			if (fd >= 0 && !strcmp(m, "fexecve"))
				fexecve(fd, argv, environ);
			else if (fd >= 0)
				execveat(fd, "", argv, environ, AT_EMPTY_PATH);
		} else
			errno = EINVAL;
		int e = errno;
		if (write(p[1], &e, sizeof e) < 0)
			_exit(126);
		_exit(127);
	}
	close(p[1]);
	int e;
	ssize_t n = read(p[0], &e, sizeof e);
	close(p[0]);
	if (n == (ssize_t)sizeof e) {
		waitpid(pid, NULL, 0);
		printf("refused %s\n", errname(e));
		return 1;
	}
	return report_wait(pid);
}

/* vfork + execv: the library's exec runs on the parent's stack. */
static int vfork_exec(char **argv)
{
	volatile int e = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		execv(argv[0], argv);
		e = errno;
		_exit(127);
	}
	if (e) {
		waitpid(pid, NULL, 0);
		printf("refused %s\n", errname(e));
		return 1;
	}
	return report_wait(pid);
}

static int spawn(const char *m, char **argv)
{
	pid_t pid;
	int e = !strcmp(m, "posix_spawn") ? posix_spawn(&pid, argv[0], NULL, NULL, argv, environ)
	                                  : posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (e) {
		printf("refused %s\n", errname(e));
		return 1;
	}
	return report_wait(pid);
}

/* system and popen: the command line is the arguments, joined. */
static int shell(const char *m, char **argv)
{
	char cmd[4096] = "";
	for (char **a = argv; *a; a++) {
		strncat(cmd, *a, sizeof cmd - strlen(cmd) - 2);
		strcat(cmd, " ");
	}
	if (!strcmp(m, "system")) {
		int st = system(cmd);
		if (st == -1)
			return printf("refused %s\n", errname(errno)), 1;
		printf("ran %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return 0;
	}
	FILE *f = popen(cmd, "r");
	if (!f)
		return printf("refused %s\n", errname(errno)), 1;
	char line[256];
	while (fgets(line, sizeof line, f))
		fputs(line, stdout);
	int st = pclose(f);
	printf("ran %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: starters METHOD PROGRAM [ARG...]\n", stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *m = argv[1];
	if (!strncmp(m, "posix_spawn", 11))
		return spawn(m, argv + 2);
	if (!strcmp(m, "system") || !strcmp(m, "popen"))
		return shell(m, argv + 2);
	if (!strcmp(m, "vfork"))
		return vfork_exec(argv + 2);
	return exec_in_child(m, argv + 2);
}
