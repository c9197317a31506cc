/* readers METHOD FILE: open FILE read-only, read its first line, let another
 * process of the union append "line3\n" (a copy-up), then read the rest by
 * METHOD and print everything read.  Run in a union over a lower FILE of
 * "line1\nline2\n": each method must see the appended line, as through the
 * kernel's overlayfs.  tests/scenarios/fdfollow.sh runs it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *file;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* Another process of the union changes the file: the copy-up. */
static void append_elsewhere(void)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "echo line3 >> '%s'", file);
	if (system(cmd) != 0)
		die("system");
}

/* Up to n bytes of fd into out through read(2): the first line. */
static void first_line_fd(int fd)
{
	char c;
	while (read(fd, &c, 1) == 1) {
		putchar(c);
		if (c == '\n')
			break;
	}
}

static void rest_read(int fd)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
}

/* Threads reading the fd while the copy-up happens: none may see a torn
 * or an empty file, and all end on the new data. */
static int shared_fd;
static void *pread_loop(void *arg)
{
	char buf[64];
	long bad = 0;
	for (int i = 0; i < 3000; i++) {
		ssize_t n = pread(shared_fd, buf, sizeof buf, 0);
		if (n != 12 && n != 18)
			bad++;
	}
	return (void *)bad;
}

static int by_fd(const char *m, int fd)
{
	static const char methods[] = " read pread readv preadv2 fstat lseek-end sendfile splice copy_file_range"
	                              " mmap dup2 fcntl-dupfd fork threads ";
	char buf[4096], word[64];
	ssize_t n;
	snprintf(word, sizeof word, " %s ", m);
	if (!strstr(methods, word))
		return -1;
	first_line_fd(fd);
	append_elsewhere();
	if (!strcmp(m, "read")) {
		rest_read(fd);
	} else if (!strcmp(m, "pread")) {
		off_t off = lseek(fd, 0, SEEK_CUR);
		while ((n = pread(fd, buf, sizeof buf, off)) > 0)
			fwrite(buf, 1, (size_t)n, stdout), off += n;
	} else if (!strcmp(m, "readv")) {
		struct iovec v = { buf, sizeof buf };
		while ((n = readv(fd, &v, 1)) > 0)
			fwrite(buf, 1, (size_t)n, stdout);
	} else if (!strcmp(m, "preadv2")) {
		struct iovec v = { buf, sizeof buf };
		while ((n = preadv2(fd, &v, 1, -1, 0)) > 0)
			fwrite(buf, 1, (size_t)n, stdout);
	} else if (!strcmp(m, "fstat")) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			die("fstat");
		printf("size %lld\n", (long long)st.st_size);
	} else if (!strcmp(m, "lseek-end")) {
		printf("end %lld\n", (long long)lseek(fd, 0, SEEK_END));
	} else if (!strcmp(m, "sendfile") || !strcmp(m, "splice") || !strcmp(m, "copy_file_range")) {
		/* beside the file: copy_file_range works within one filesystem */
		char tmpl[4096];
		snprintf(tmpl, sizeof tmpl, "%s.XXXXXX", file);
		int out = mkstemp(tmpl);
		int p[2];
		if (out < 0 || pipe(p) < 0)
			die("mkstemp");
		unlink(tmpl);
		for (;;) {
			if (!strcmp(m, "sendfile"))
				n = sendfile(out, fd, NULL, 4096);
			else if (!strcmp(m, "copy_file_range"))
				n = copy_file_range(fd, NULL, out, NULL, 4096, 0);
			else if ((n = splice(fd, NULL, p[1], NULL, 4096, 0)) > 0)
				n = splice(p[0], NULL, out, NULL, (size_t)n, 0);
			if (n < 0)
				die(m);
			if (n == 0)
				break;
		}
		lseek(out, 0, SEEK_SET);
		rest_read(out);
	} else if (!strcmp(m, "mmap")) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			die("fstat");
		char *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			die("mmap");
		fwrite(map + 6, 1, (size_t)st.st_size - 6, stdout);
	} else if (!strcmp(m, "dup2")) {
		if (dup2(fd, 40) != 40)
			die("dup2");
		close(fd);
		rest_read(40);
	} else if (!strcmp(m, "fcntl-dupfd")) {
		int d = fcntl(fd, F_DUPFD_CLOEXEC, 50);
		if (d < 0)
			die("fcntl");
		close(fd);
		rest_read(d);
		printf("cloexec %d\n", (fcntl(d, F_GETFD) & FD_CLOEXEC) != 0);
	} else if (!strcmp(m, "threads")) {
		/* the copy-up is done by now: start the readers before the next */
		pthread_t t[4];
		long bad = 0;
		void *r;
		shared_fd = fd;
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, pread_loop, NULL);
		for (int i = 0; i < 4; i++) {
			pthread_join(t[i], &r);
			bad += (long)r;
		}
		rest_read(fd);
		printf("bad %ld\n", bad);
	} else if (!strcmp(m, "fork")) {
		pid_t pid = fork();
		if (pid == 0) {
			rest_read(fd);
			fflush(stdout);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	return 0;
}

static int by_stream(const char *m, FILE *f)
{
	char line[256], *l = NULL;
	size_t cap = 0;
	int c;
	if (!fgets(line, sizeof line, f))
		die("fgets");
	fputs(line, stdout);
	append_elsewhere();
	if (!strcmp(m, "fgets")) {
		while (fgets(line, sizeof line, f))
			fputs(line, stdout);
	} else if (!strcmp(m, "getline")) {
		while (getline(&l, &cap, f) > 0)
			fputs(l, stdout);
	} else if (!strcmp(m, "fread")) {
		size_t n;
		while ((n = fread(line, 1, sizeof line, f)) > 0)
			fwrite(line, 1, n, stdout);
	} else if (!strcmp(m, "getc")) {
		while ((c = getc(f)) != EOF)
			putchar(c);
	} else if (!strcmp(m, "getc_unlocked")) {
		while ((c = getc_unlocked(f)) != EOF)
			putchar(c);
	} else if (!strcmp(m, "tail")) {
		/* a reader at the end, waiting for more: EOF, clearerr, again */
		while (fgets(line, sizeof line, f))
			fputs(line, stdout);
		clearerr(f);
		append_elsewhere();
		while (fgets(line, sizeof line, f))
			fputs(line, stdout);
	} else {
		return -1;
	}
	free(l);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: readers METHOD FILE\n");
		return 2;
	}
	file = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	int fd = open(file, O_RDONLY);
	if (fd < 0)
		die("open");
	if (by_fd(argv[1], fd) == 0)
		return 0;
	close(fd);
	FILE *f = fopen(file, "r");
	if (!f)
		die("fopen");
	if (by_stream(argv[1], f) == 0)
		return 0;
	fprintf(stderr, "readers: unknown method %s\n", argv[1]);
	return 2;
}
