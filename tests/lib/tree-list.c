/* tree-list [--snapshot] DIR - the deterministic listing of a directory tree
 * that tests/lib/snapshot.sh documents (view_tree; snapshot_tree with
 * --snapshot), every path under DIR one per line, sorted bytewise:
 *   view:      path  type  mode  size  content
 *   snapshot:  path  type  mode  uid:gid  nlink  size  mtime  ctime  content  xattrs
 * fields as find -printf prints %P %y %#m %U:%G %n %s %T@ %C@; content is a
 * regular file's sha256, "->TARGET" for a symlink, "dev:MAJ,MIN" (hex) for a
 * device, "-" otherwise; xattrs "name=0xHEX,..." in the order the kernel
 * lists them, or "-".
 *
 * One process where the shell version ran a dozen (three finds, xargs,
 * sha256sum, stat, getfattr, awk, sort): the scenarios take a listing of
 * every lower after every job and read each view under the launcher, often
 * with the whole tree supervised, and the processes were most of their time.
 * Plain libc path calls (opendir, lstat, open, readlink, l*xattr), so that
 * it can run inside a union as any program would.  Any error: a message,
 * status 1 and no listing, as find's failure failed the shell version. */
#define _GNU_SOURCE
#include "sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int snapshot;
static char **lines;
static size_t nlines, cap;

static void die(const char *path, const char *what)
{
	fprintf(stderr, "tree-list: %s: %s: %s\n", path, what, strerror(errno));
	exit(1);
}

static void add_line(char *line)
{
	if (nlines == cap) {
		cap = cap ? 2 * cap : 1024;
		lines = realloc(lines, cap * sizeof *lines);
		if (!lines)
			die("(listing)", "realloc");
	}
	lines[nlines++] = line;
}

static char type_of(mode_t m)
{
	return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' :
	       S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : 'U';
}

static void file_sum(const char *path, char hex[65])
{
	static char buf[1 << 16];
	struct sha256 s;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		die(path, "open");
	sha256_init(&s);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		sha256_add(&s, buf, (size_t)n);
	if (n < 0)
		die(path, "read");
	close(fd);
	sha256_hex(&s, hex);
}

/* content: what the content column says of path (at most PATH_MAX + 3). */
static void content_of(const char *path, const struct stat *st, char *out, size_t size)
{
	if (S_ISREG(st->st_mode)) {
		file_sum(path, out);
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlink(path, out + 2, size - 3);
		if (n < 0)
			die(path, "readlink");
		out[0] = '-', out[1] = '>', out[n + 2] = 0;
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		snprintf(out, size, "dev:%x,%x", major(st->st_rdev), minor(st->st_rdev));
	} else {
		strcpy(out, "-");
	}
}

/* xattrs_of: "name=0xHEX,..." of path itself (not followed), or "-". */
static char *xattrs_of(const char *path)
{
	char names[65536], value[65536], *out = NULL;
	size_t outlen = 0;
	FILE *f;
	ssize_t n = llistxattr(path, names, sizeof names);
	if (n < 0 && errno != ENOTSUP)
		die(path, "llistxattr");
	if (n <= 0)
		return strdup("-");
	f = open_memstream(&out, &outlen);
	for (char *name = names; name < names + n; name += strlen(name) + 1) {
		ssize_t v = lgetxattr(path, name, value, sizeof value);
		if (v < 0)
			die(path, "lgetxattr");
		fprintf(f, "%s%s=0x", name == names ? "" : ",", name);
		for (ssize_t i = 0; i < v; i++)
			fprintf(f, "%02x", (unsigned char)value[i]);
	}
	fclose(f);
	return out;
}

static void list_entry(const char *path, const struct stat *st)
{
	static char content[PATH_MAX + 8];
	char *line;
	int n;
	content_of(path, st, content, sizeof content);
	if (!snapshot) {
		char size[32] = "-";
		if (!S_ISDIR(st->st_mode))
			snprintf(size, sizeof size, "%lld", (long long)st->st_size);
		n = asprintf(&line, "%s\t%c\t%#o\t%s\t%s", path, type_of(st->st_mode),
			     (unsigned)(st->st_mode & 07777), size, content);
	} else {
		char *x = xattrs_of(path);
		n = asprintf(&line, "%s\t%c\t%#o\t%u:%u\t%lu\t%lld\t%lld.%09ld0\t%lld.%09ld0\t%s\t%s", path,
			     type_of(st->st_mode), (unsigned)(st->st_mode & 07777), st->st_uid, st->st_gid,
			     (unsigned long)st->st_nlink, (long long)st->st_size, (long long)st->st_mtim.tv_sec,
			     st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec, content, x);
		free(x);
	}
	if (n < 0)
		die(path, "asprintf");
	add_line(line);
}

/* walk: list every entry below path[0..len) ("" for the top, whose own
 * entry find's -mindepth 1 left out); path is one buffer for the whole
 * walk, each level adding its name and cutting it off again. */
static void walk(char *path, size_t len)
{
	DIR *d = opendir(len ? path : ".");
	struct dirent *e;
	if (!d)
		die(len ? path : ".", "opendir");
	for (errno = 0; (e = readdir(d)); errno = 0) {
		struct stat st;
		size_t n;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n = (size_t)snprintf(path + len, PATH_MAX - len, "%s%s", len ? "/" : "", e->d_name);
		if (len + n >= PATH_MAX) {
			errno = ENAMETOOLONG;
			path[len] = 0;
			die(path, "a name below");
		}
		if (lstat(path, &st))
			die(path, "lstat");
		list_entry(path, &st);
		if (S_ISDIR(st.st_mode))
			walk(path, len + n);
		path[len] = 0;
	}
	if (errno)
		die(len ? path : ".", "readdir");
	closedir(d);
}

static int by_bytes(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *top;
	if (argc > 1 && !strcmp(argv[1], "--snapshot"))
		snapshot = 1, argv++, argc--;
	if (argc > 2) {
		fputs("usage: tree-list [--snapshot] [DIR]\n", stderr);
		return 2;
	}
	top = argc > 1 ? argv[1] : ".";
	if (chdir(top))
		die(top, "chdir");
	static char path[PATH_MAX];
	walk(path, 0);
	qsort(lines, nlines, sizeof *lines, by_bytes);
	for (size_t i = 0; i < nlines; i++)
		printf("%s\n", lines[i]);
	return fflush(stdout) || ferror(stdout) ? 1 : 0;
}
