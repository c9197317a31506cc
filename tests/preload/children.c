/* Children, threads, fork and signals inside a union: each subcommand
 * prints what it saw; tests/scenarios/libc.sh runs them under unionenv. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static char *empty_env[] = { NULL };

static int wait_child(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A child started with an environment that lacks LD_PRELOAD and the layer
 * settings still sees the union. */
static int execve_noenv(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { "cat", (char *)path, NULL };
		execve("/bin/cat", argv, empty_env);
		_exit(127);
	}
	return wait_child(pid);
}

static int spawn_noenv(const char *path)
{
	pid_t pid;
	char *argv[] = { "cat", (char *)path, NULL };
	int r = posix_spawn(&pid, "/bin/cat", NULL, NULL, argv, empty_env);
	return r ? r : wait_child(pid);
}

static int system_cleared(const char *path)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "cat '%s'", path);
	clearenv();
	setenv("PATH", "/usr/bin:/bin", 1);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int popen_cleared(const char *path)
{
	char cmd[4200], line[256];
	snprintf(cmd, sizeof cmd, "cat '%s'", path);
	clearenv();
	FILE *f = popen(cmd, "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof line, f))
		fputs(line, stdout);
	return pclose(f) == 0 ? 0 : 1;
}

static int vfork_exec(const char *path)
{
	pid_t pid = vfork();
	if (pid == 0) {
		char *argv[] = { "cat", (char *)path, NULL };
		execv("/bin/cat", argv);
		_exit(127);
	}
	return wait_child(pid);
}

/* Threads creating, renaming, checking and removing their own files in
 * one directory of the union at once. */
static const char *tdir;
static void *worker(void *arg)
{
	long id = (long)arg;
	char a[4200], b[4200];
	for (int i = 0; i < 150; i++) {
		snprintf(a, sizeof a, "%s/t%ld.%d", tdir, id, i);
		snprintf(b, sizeof b, "%s/t%ld.%d.moved", tdir, id, i);
		int fd = open(a, O_CREAT | O_WRONLY | O_EXCL, 0644);
		if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) < 0)
			return (void *)1;
		struct stat st;
		if (rename(a, b) < 0 || stat(a, &st) == 0 || stat(b, &st) < 0 || st.st_size != 1)
			return (void *)2;
		if (i % 2 && unlink(b) < 0)
			return (void *)3;
	}
	return NULL;
}

static int threads(const char *dir)
{
	pthread_t t[8];
	tdir = dir;
	for (long i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	long bad = 0;
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad |= (long)r;
	}
	printf("threads %s\n", bad ? "FAILED" : "ok");
	return bad != 0;
}

/* fork while another thread is inside the wrappers (and may hold the
 * cache lock): the child must not deadlock. */
static volatile int stop;
static void *stat_storm(void *arg)
{
	struct stat st;
	while (!stop)
		stat((const char *)arg, &st);
	return NULL;
}

static int fork_lock(const char *path)
{
	pthread_t t;
	pthread_create(&t, NULL, stat_storm, (void *)path);
	int bad = 0;
	for (int i = 0; i < 200 && !bad; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			struct stat st;
			alarm(10);
			_exit(stat(path, &st) == 0 ? 0 : 1);
		}
		bad = wait_child(pid) != 0;
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("fork %s\n", bad ? "FAILED" : "ok");
	return bad;
}

/* A wrapper called from a signal handler that interrupted a wrapper. */
static const char *sig_path;
static volatile long in_handler;
static void on_alarm(int sig)
{
	struct stat st;
	(void)sig;
	if (stat(sig_path, &st) == 0)
		in_handler++;
}

static int signal_reentry(const char *path)
{
	sig_path = path;
	signal(SIGALRM, on_alarm);
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	setitimer(ITIMER_REAL, &it, NULL);
	struct timeval start, now;
	gettimeofday(&start, NULL);
	long n = 0;
	do {
		struct stat st;
		int fd = open(path, O_RDONLY);
		if (fd >= 0)
			close(fd);
		if (stat(path, &st) == 0)
			n++;
		gettimeofday(&now, NULL);
	} while ((now.tv_sec - start.tv_sec) * 1000000 + (now.tv_usec - start.tv_usec) < 700000);
	struct itimerval off = { 0 };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("signal %s\n", n > 0 && in_handler > 0 ? "ok" : "FAILED");
	return !(n > 0 && in_handler > 0);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3)
		return 2;
	const char *cmd = argv[1], *arg = argv[2];
	if (!strcmp(cmd, "execve-noenv")) return execve_noenv(arg);
	if (!strcmp(cmd, "spawn-noenv")) return spawn_noenv(arg);
	if (!strcmp(cmd, "system-cleared")) return system_cleared(arg);
	if (!strcmp(cmd, "popen-cleared")) return popen_cleared(arg);
	if (!strcmp(cmd, "vfork")) return vfork_exec(arg);
	if (!strcmp(cmd, "threads")) return threads(arg);
	if (!strcmp(cmd, "fork")) return fork_lock(arg);
	if (!strcmp(cmd, "signal")) return signal_reentry(arg);
	return 2;
}
