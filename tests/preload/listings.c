/* listings: the merged listing a directory read continues from belongs to
 * the open file, never to an fd number (supervisor/listings.h).  Run in a
 * directory d of a lower holding the files n00 .. n39: statically linked,
 * every getdents64 is served by the supervisor.
 *
 *   1. fd a reads d's first entries (a small buffer); every name is
 *      removed; fd b, a new open of d, is put where a stands (lseek, as
 *      seekdir with telldir's value of another stream) and read to the
 *      end: no removed name (b is a fresh listing; keyed by the number of
 *      the supervisor's copy, b took a's older one).
 *   2. The same with a closed before b is opened (b takes a's number in
 *      the caller too).
 *   3. Two open files read in turns, a buffer at a time, while a child
 *      reads a third to its end: each sees the names made before its own
 *      open once, in order, none twice, none missing.
 * Each line is what the kernel's overlayfs prints too. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAMES 40

/* getdents64 of fd into buf (size bytes): the names n* it gave, counted
 * into seen[]; the bytes, 0 at the end, or -1. */
static long chunk(int fd, size_t size, int seen[NAMES])
{
	char buf[8192];
	long len = getdents64(fd, buf, size);
	for (long off = 0; len > 0 && off < len;) {
		struct dirent64 *d = (void *)(buf + off);
		if (d->d_name[0] == 'n')
			seen[atoi(d->d_name + 1) % NAMES]++;
		off += d->d_reclen;
	}
	return len;
}

static int total(const int seen[NAMES])
{
	int n = 0;
	for (int i = 0; i < NAMES; i++)
		n += seen[i];
	return n;
}

static void make(const char *dir)
{
	char p[64];
	for (int i = 0; i < NAMES; i++) {
		snprintf(p, sizeof p, "%s/n%02d", dir, i);
		close(open(p, O_WRONLY | O_CREAT, 0644));
	}
}

static void remove_all(const char *dir)
{
	char p[64];
	for (int i = 0; i < NAMES; i++) {
		snprintf(p, sizeof p, "%s/n%02d", dir, i);
		unlink(p);
	}
}

/* Cases 1 and 2: a reads a little; the names go; b from a's place. */
static void continued(const char *dir, int close_first)
{
	int seen[NAMES] = { 0 }, later[NAMES] = { 0 };
	int a = open(dir, O_RDONLY | O_DIRECTORY);
	chunk(a, 128, seen);  /* ".", "..", a name or two */
	off_t at = lseek(a, 0, SEEK_CUR);
	remove_all(dir);
	if (close_first)
		close(a);
	int b = open(dir, O_RDONLY | O_DIRECTORY);
	lseek(b, at, SEEK_SET);
	while (chunk(b, 256, later) > 0)
		;
	printf("%s: a read %s, b from there: %d removed names shown\n", close_first ? "a closed" : "a open",
	       total(seen) > 0 ? "names" : "none", total(later));
	close(b);
	if (!close_first)
		close(a);
}

/* Case 3: a and b in turns, a child reading c at once. */
static void turns(const char *dir)
{
	int sa[NAMES] = { 0 }, sb[NAMES] = { 0 };
	make(dir);
	int a = open(dir, O_RDONLY | O_DIRECTORY), b = open(dir, O_RDONLY | O_DIRECTORY);
	pid_t p = fork();
	if (p == 0) {
		int sc[NAMES] = { 0 };
		for (int k = 0; k < 50; k++) {
			int c = open(dir, O_RDONLY | O_DIRECTORY);
			while (chunk(c, 200, sc) > 0)
				;
			close(c);
		}
		_exit(total(sc) == 50 * NAMES ? 0 : 1);
	}
	long ra = 1, rb = 1;
	while (ra > 0 || rb > 0) {
		if (ra > 0)
			ra = chunk(a, 200, sa);
		if (rb > 0)
			rb = chunk(b, 300, sb);
	}
	int once_a = 1, once_b = 1, st;
	for (int i = 0; i < NAMES; i++) {
		once_a &= sa[i] == 1;
		once_b &= sb[i] == 1;
	}
	waitpid(p, &st, 0);
	printf("in turns: a each name once: %s, b: %s, the child's 50 reads: %s\n", once_a ? "yes" : "no",
	       once_b ? "yes" : "no", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "each name once" : "differ");
	close(a);
	close(b);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	continued("d", 0);
	make("d");
	continued("d", 1);
	turns("d");
	return 0;
}
