/* Threads of one process rename lower directories at once, each holding a
 * directory fd on its own: every fd must follow its directory (the map of
 * lower directories is changed by one thread at a time).  Run from the
 * mount, whose d0..d(N-1) merge lower directories.  Prints one line per
 * directory: the fd's name as /proc shows it, relative to the mount, and
 * whether a file made through the fd is found under the new name. */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N 8

static pthread_barrier_t start;

static void *mover(void *arg)
{
	long i = (long)arg;
	char from[32], to[32];
	snprintf(from, sizeof from, "d%ld", i);
	snprintf(to, sizeof to, "e%ld", i);
	pthread_barrier_wait(&start);
	if (rename(from, to) < 0)
		perror(from);
	return NULL;
}

int main(void)
{
	char mount[PATH_MAX], name[64], link[PATH_MAX], path[64];
	int fd[N];
	pthread_t t[N];
	if (!getcwd(mount, sizeof mount))
		return 1;
	for (long i = 0; i < N; i++) {
		snprintf(name, sizeof name, "d%ld", i);
		if ((fd[i] = open(name, O_RDONLY | O_DIRECTORY)) < 0) {
			perror(name);
			return 1;
		}
	}
	pthread_barrier_init(&start, NULL, N);
	for (long i = 0; i < N; i++)
		pthread_create(&t[i], NULL, mover, (void *)i);
	for (long i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	for (long i = 0; i < N; i++) {
		struct stat st;
		snprintf(name, sizeof name, "/proc/self/fd/%d", fd[i]);
		ssize_t n = readlink(name, link, sizeof link - 1);
		link[n < 0 ? 0 : n] = '\0';
		int made = openat(fd[i], "new", O_CREAT | O_WRONLY, 0644);
		snprintf(path, sizeof path, "e%ld/new", i);
		printf("%s %s\n", strncmp(link, mount, strlen(mount)) ? link : link + strlen(mount) + 1,
		       made >= 0 && stat(path, &st) == 0 ? "found" : "lost");
	}
	return 0;
}
