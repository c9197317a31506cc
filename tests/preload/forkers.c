/* forkers DIR KIND N: one thread loops a union call of KIND (getdents64,
 * chdir, opendir, stat, open, or all: one thread of each) on DIR and the
 * directories below it, while the main thread forks N children that each
 * make a union call themselves and exit.  A lock held by the looping
 * thread at the moment of a fork must not stay held in the child: no child
 * may hang.  Each child gets 10 seconds; one that takes longer is killed
 * and counted, and the third hung child ends the run (so a broken library
 * costs 30 seconds, not an hour).  Prints "N children, H hung, F failed"
 * and exits 1 when any hung or failed.  tests/scenarios/fork-safety.sh runs it in a union whose
 * DIR holds sub-directories a and b (from a lower) and a file f. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;
static atomic_int stop;
static char path_a[4096], path_b[4096], path_f[4096];

static void *loop_getdents(void *arg)
{
	char buf[4096];
	while (!stop) {
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		while (syscall(SYS_getdents64, fd, buf, sizeof buf) > 0)
			;
		/* glibc's own getdents64 is the wrapped entry point */
		lseek(fd, 0, SEEK_SET);
		extern ssize_t getdents64(int, void *, size_t);
		while (getdents64(fd, buf, sizeof buf) > 0)
			;
		close(fd);
	}
	return arg;
}

static void *loop_chdir(void *arg)
{
	while (!stop) {
		if (chdir(path_a) == 0 && chdir("../b") == 0)
			(void)chdir("..");
	}
	return arg;
}

static void *loop_opendir(void *arg)
{
	while (!stop) {
		DIR *d = opendir(dir);
		if (!d)
			continue;
		while (readdir(d))
			;
		closedir(d);
	}
	return arg;
}

static void *loop_stat(void *arg)
{
	struct stat st;
	while (!stop) {
		stat(path_f, &st);
		lstat(path_a, &st);
		stat(path_b, &st);
	}
	return arg;
}

static void *loop_open(void *arg)
{
	char name[4200];
	unsigned long n = 0;
	while (!stop) {
		int fd = open(path_f, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		/* a change too: posts to the ring, copies up */
		snprintf(name, sizeof name, "%s/t%lu", path_a, n++ % 8);
		fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	return arg;
}

/* The child: a few union calls that take every lock a thread may hold. */
static int child(void)
{
	struct stat st;
	char buf[4096];
	if (stat(path_f, &st) < 0)
		return 3;
	DIR *d = opendir(dir);
	if (!d)
		return 4;
	while (readdir(d))
		;
	closedir(d);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 5;
	extern ssize_t getdents64(int, void *, size_t);
	while (getdents64(fd, buf, sizeof buf) > 0)
		;
	close(fd);
	if (chdir(path_b) < 0 || !getcwd(buf, sizeof buf))
		return 6;
	fd = open(path_f, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 7;
	close(fd);
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;  /* only interrupts waitpid */
}

/* Wait up to 10 s for pid: 0 exited 0, 1 failed, 2 hung (killed). */
static int reap(pid_t pid)
{
	int status;
	alarm(10);
	pid_t r = waitpid(pid, &status, 0);
	alarm(0);
	if (r == pid)
		return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return errno == EINTR ? 2 : 1;
}

int main(int argc, char **argv)
{
	static void *(*const loops[])(void *) = { loop_getdents, loop_chdir, loop_opendir, loop_stat, loop_open };
	static const char *const names[] = { "getdents64", "chdir", "opendir", "stat", "open" };
	if (argc != 4) {
		fprintf(stderr, "usage: forkers DIR getdents64|chdir|opendir|stat|open|all N\n");
		return 2;
	}
	dir = argv[1];
	int n = atoi(argv[3]), hung = 0, failed = 0, nthreads = 0;
	snprintf(path_a, sizeof path_a, "%s/a", dir);
	snprintf(path_b, sizeof path_b, "%s/b", dir);
	snprintf(path_f, sizeof path_f, "%s/f", dir);
	struct sigaction sa = { .sa_handler = on_alarm };  /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	sigset_t alrm;  /* the alarm is for the main thread's waitpid only */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);
	pthread_t th[5];
	for (int i = 0; i < 5; i++) {
		if (strcmp(argv[2], "all") && strcmp(argv[2], names[i]))
			continue;
		if (pthread_create(&th[nthreads++], NULL, loops[i], NULL) != 0) {
			perror("pthread_create");
			return 2;
		}
	}
	if (!nthreads) {
		fprintf(stderr, "forkers: unknown kind %s\n", argv[2]);
		return 2;
	}
	pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
	int made = 0;
	for (; made < n && hung < 3; made++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			failed++;
			continue;
		}
		if (pid == 0)
			_exit(child());
		int r = reap(pid);
		hung += r == 2;
		failed += r == 1;
	}
	stop = 1;
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	printf("%d children, %d hung, %d failed\n", made, hung, failed);
	return hung || failed;
}
