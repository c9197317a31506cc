/* followable-loop N PROGRAM: the verdict alone (core/followable.c), N
 * times on PROGRAM, as the library makes it at each exec: print the
 * microseconds per verdict.  With UNIONENV_FOLLOW_CACHE= (empty) every
 * verdict reads the headers; by default the per-user cache answers. */
#define _GNU_SOURCE
#include "followable.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int no_open(void *ctx, const char *p) { (void)ctx; (void)p; return -2; }

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	long n = atol(argv[1]);
	struct ue_follow_finder f = { no_open, NULL, NULL };
	struct ue_verdict v;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		/* as preload/follow.c: open, judge, close */
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 1;
		ue_followable_fd(fd, &f, &v);
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.2f %s\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n,
	       v.v == UE_FOLLOWED ? "followed" : v.reason);
	return 0;
}
