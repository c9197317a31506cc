/* callcost: the cost of one stat and of one open+close of a path, timed
 * in-process (so the launcher and start-up are not counted): the median
 * of 7 rounds of N calls each, in nanoseconds per call.
 *   callcost N PATH  ->  "stat NS" and "open NS" lines */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	long n = atol(argv[1]);
	const char *path = argv[2];
	double st[7], op[7];
	struct stat s;
	for (int r = 0; r < 7; r++) {
		double t0 = now();
		for (long i = 0; i < n; i++)
			if (stat(path, &s) < 0)
				return 1;
		double t1 = now();
		for (long i = 0; i < n; i++) {
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				return 1;
			close(fd);
		}
		double t2 = now();
		st[r] = (t1 - t0) / n;
		op[r] = (t2 - t1) / n;
	}
	qsort(st, 7, sizeof *st, cmp);
	qsort(op, 7, sizeof *op, cmp);
	printf("stat %.0f\nopen %.0f\n", st[3], op[3]);
	return 0;
}
