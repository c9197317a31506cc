/* The edge cases pjdfstest found (issue 9): each case prints one line per
 * call, "what: ok" or the errno's name, so that a run in the union and one
 * on the kernel's overlayfs over the same layers can be compared line by
 * line.  Run from a directory of the union that a lower holds.
 *
 *   edges efault       every path call given NULL and an unmapped pointer
 *   edges chown-noop F make F, then chown/lchown(F, -1, -1) as uid 65534 (as root)
 *   edges unixsock     bind/connect of relative names from this directory
 *                      (which holds was-a-file from a lower)
 *   edges longpath     a relative path of PATH_MAX - 1 bytes
 *   edges longtree     make such a chain and a file at its end (run natively,
 *                      in what becomes a lower)
 *   edges longlower    use that file through the union: copy-up, whiteout,
 *                      a current directory deeper than PATH_MAX
 *   edges orphan F     open F (a lower's file), remove it, change it through
 *                      the fd */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
	fflush(stdout);
}

#define BAD ((const char *)0xdeadc0deUL)

static int efault(void)
{
	const char *ptrs[] = { NULL, BAD };
	const char *names[] = { "NULL", "DEADCODE" };
	struct stat st;
	char what[64], buf[16];
	close(open("efile", O_CREAT | O_WRONLY, 0644));
	for (int i = 0; i < 2; i++) {
		const char *p = ptrs[i];
#define T(call) (snprintf(what, sizeof what, "%s %s", #call, names[i]), show(what, (call)))
		T(open(p, O_RDONLY));
		T(open(p, O_CREAT | O_WRONLY, 0644));
		T(openat(AT_FDCWD, p, O_RDONLY));
		T(creat(p, 0644));
		T(stat(p, &st));
		T(lstat(p, &st));
		T(fstatat(AT_FDCWD, p, &st, 0));
		T(access(p, F_OK));
		T(chmod(p, 0644));
		T(chown(p, 0, 0));
		T(lchown(p, 0, 0));
		T(truncate(p, 1));
		T(mkdir(p, 0755));
		T(rmdir(p));
		T(unlink(p));
		T(mkfifo(p, 0644));
		T(mknod(p, S_IFIFO | 0644, 0));
		T(readlink(p, buf, sizeof buf));
		T(utimensat(AT_FDCWD, p, NULL, 0));
		T(chdir(p));
		T(rename(p, "efile"));
		T(rename("efile", p));
		T(rename("missing/x", p));
		T(link(p, "elink"));
		T(link("efile", p));
		T(link("missing", p));
		T(symlink(p, "esym"));
		T(symlink("efile", p));
		T(symlink(p, p));
	}
	show("efile still there", stat("efile", &st));
	show("no esym", lstat("esym", &st));
	return 0;
}

static int chown_noop(const char *f)
{
	/* Made by root first, as pjdfstest does: a lower file would need a
	 * copy-up, which uid 65534 cannot make in root's upper. */
	close(open(f, O_CREAT | O_WRONLY, 0644));
	if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
		return perror("setresuid"), 1;
	show("chown -1 -1 by a non-owner", chown(f, (uid_t)-1, (gid_t)-1));
	show("lchown -1 -1 by a non-owner", lchown(f, (uid_t)-1, (gid_t)-1));
	show("chown to self by a non-owner", chown(f, 65534, (gid_t)-1));
	show("chgrp by a non-owner", chown(f, (uid_t)-1, 65534));
	return 0;
}

static socklen_t addr_of(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof a->sun_path, "%s", path);
	return (socklen_t)sizeof *a;
}

/* Serve one connection on path, from a client connecting to via. */
static void serve(const char *label, const char *path, const char *via)
{
	struct sockaddr_un a;
	char what[200], c = 0;
	int s = socket(AF_UNIX, SOCK_STREAM, 0), k = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(what, sizeof what, "bind %s", label);
	show(what, bind(s, (struct sockaddr *)&a, addr_of(&a, path)));
	show("listen", listen(s, 1));
	snprintf(what, sizeof what, "connect %s", label);
	show(what, connect(k, (struct sockaddr *)&a, addr_of(&a, via)));
	int n = accept(s, NULL, NULL);
	show("accept", n);
	show("send", write(k, "x", 1));
	show("receive", n >= 0 && read(n, &c, 1) == 1 && c == 'x' ? 0 : -1);
	struct stat st;
	show("the socket's file is a socket", stat(path, &st) < 0 ? -1 : S_ISSOCK(st.st_mode) ? 0 : (errno = EINVAL, -1));
	snprintf(what, sizeof what, "bind %s again", label);
	int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	show(what, bind(s2, (struct sockaddr *)&a, addr_of(&a, path)));
	close(n);
	close(k);
	close(s);
	close(s2);
}

static int unixsock(void)
{
	char before[PATH_MAX], after[PATH_MAX], name[101], deep[200];
	if (!getcwd(before, sizeof before))
		return 1;
	memset(name, 's', 100);
	name[100] = '\0';
	serve("a 100-byte relative name", name, name);
	show("unlink it", unlink(name));
	show("mkdir k", mkdir("k", 0755));
	snprintf(deep, sizeof deep, "k/%.90s", name);
	serve("k/ and a 90-byte name", deep, deep);
	char abs[PATH_MAX * 2];
	snprintf(abs, sizeof abs, "%s/sock", before);
	if (strlen(abs) < sizeof ((struct sockaddr_un *)0)->sun_path)
		serve("an absolute name", abs, "sock");
	else
		printf("(absolute name too long for sun_path: skipped)\n");
	/* A name a lower holds, removed: the upper holds a whiteout there. */
	show("unlink was-a-file", unlink("was-a-file"));
	serve("over a whiteout", "was-a-file", "was-a-file");
	show("getcwd", getcwd(after, sizeof after) ? 0 : -1);
	printf("the current directory stayed: %s\n", strcmp(before, after) ? "no" : "yes");
	return 0;
}

/* A chain of 200-byte directory names from here, made when make is set,
 * and in path the name of a file in the deepest whose relative path is
 * PATH_MAX - 1 bytes; *len is where its last name starts. */
static int chain(char *path, size_t *len, int make)
{
	char comp[201];
	int depth = 0;
	memset(comp, 'd', 200);
	comp[200] = '\0';
	*len = 0;
	path[0] = '\0';
	while (*len + 201 + 2 < PATH_MAX - 1) {
		memcpy(path + *len, comp, 200);
		*len += 200;
		path[*len] = '\0';
		if (make && mkdir(path, 0755) < 0) {
			show("mkdir of a level", -1);
			return -1;
		}
		path[(*len)++] = '/';
		path[*len] = '\0';
		depth++;
	}
	memset(path + *len, 'f', PATH_MAX - 1 - *len);
	path[PATH_MAX - 1] = '\0';
	return depth;
}

/* mkdir the chain, then use the file at its end. */
static int longpath(void)
{
	char path[PATH_MAX + 16];
	size_t len;
	struct stat st;
	int depth = chain(path, &len, 1);
	if (depth < 0)
		return 0;
	size_t rest = PATH_MAX - 1 - len;
	printf("levels %d, path length %zu, last name %zu\n", depth, strlen(path), rest);
	show("create", open(path, O_CREAT | O_WRONLY, 0644) < 0 ? -1 : 0);
	show("stat", stat(path, &st));
	show("chmod", chmod(path, 0600));
	show("chown", chown(path, getuid(), getgid()));
	show("truncate", truncate(path, 10));
	show("utimensat", utimensat(AT_FDCWD, path, NULL, 0));
	show("access", access(path, R_OK));
	show("open", open(path, O_RDONLY) < 0 ? -1 : 0);
	char other[PATH_MAX + 16];
	memcpy(other, path, len);
	memset(other + len, 'g', rest);
	other[len + rest] = '\0';
	show("link", link(path, other));
	show("unlink the link", unlink(other));
	show("rename", rename(path, other));
	show("rename back", rename(other, path));
	show("symlink", symlink("x", other));
	char buf[4];
	show("readlink", readlink(other, buf, sizeof buf));
	show("unlink the symlink", unlink(other));
	show("mkfifo", mkfifo(other, 0644));
	show("unlink the fifo", unlink(other));
	show("mkdir", mkdir(other, 0755));
	show("rmdir", rmdir(other));
	show("unlink", unlink(path));
	path[len + rest] = 'f';
	path[len + rest + 1] = '\0';
	show("a name of PATH_MAX bytes", stat(path, &st));
	return 0;
}

static int longtree(void)
{
	char path[PATH_MAX + 16];
	size_t len;
	if (chain(path, &len, 1) < 0)
		return 1;
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	return fd < 0 || write(fd, "lower\n", 6) != 6 || close(fd) < 0;
}

static void show_content(const char *what, const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		show(what, -1);
		return;
	}
	buf[n] = '\0';
	for (char *c = buf; *c; c++)
		if (*c == '\n')
			*c = '|';
	printf("%s: %s\n", what, buf);
}

/* The file longtree made, seen and changed through the union: its
 * directories are copied up by names longer than PATH_MAX. */
static int longlower(void)
{
	char path[PATH_MAX + 16];
	size_t len;
	struct stat st;
	if (chain(path, &len, 0) < 0)
		return 1;
	show("stat", stat(path, &st));
	printf("size %lld\n", (long long)st.st_size);
	int fd = open(path, O_WRONLY | O_APPEND);
	show("open for append", fd);
	show("append", fd < 0 ? -1 : write(fd, "upper\n", 6) == 6 ? 0 : -1);
	if (fd >= 0)
		close(fd);
	show_content("content", path);
	show("chmod", chmod(path, 0600));
	show("stat", stat(path, &st));
	printf("mode %o size %lld\n", st.st_mode & 07777, (long long)st.st_size);
	show("unlink", unlink(path));
	show("stat after unlink", stat(path, &st));
	show("create again", (fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0644)) < 0 ? -1 : 0);
	if (fd >= 0)
		close(fd);
	show_content("content", path);
	show("unlink", unlink(path));
	/* Into the deepest directory, one level at a time: the current
	 * directory's name is then longer than PATH_MAX. */
	char comp[201];
	memset(comp, 'd', 200);
	comp[200] = '\0';
	int r = 0;
	for (size_t at = 0; at < len && r == 0; at += 201)
		r = chdir(comp);
	show("chdir to the deepest level", r);
	show("create there", (fd = open("here", O_CREAT | O_WRONLY, 0644)) < 0 ? -1 : 0);
	show("write", fd < 0 ? -1 : write(fd, "deep\n", 5) == 5 ? 0 : -1);
	if (fd >= 0)
		close(fd);
	show_content("content", "here");
	show("rename there", rename("here", "there"));
	show("stat the old name", stat("here", &st));
	show("mkdir there", mkdir("sub", 0755));
	show("chdir into it", chdir("sub"));
	show("stat ../there", stat("../there", &st));
	show("chdir ..", chdir(".."));
	show("rmdir", rmdir("sub"));
	show("unlink", unlink("there"));
	return 0;
}

/* fchownat and utimensat of "" with AT_EMPTY_PATH act on the fd, an O_PATH
 * one too, as fchown and futimens do: on a lower's file, on its copy-up,
 * seen through the name (passed to the kernel as they are, they changed
 * the lower); with AT_FDCWD, on the current directory. */
static int empty_path(void)
{
	struct timespec t1[2] = { { 1, 0 }, { 1, 0 } }, t2[2] = { { 2, 0 }, { 2, 0 } };
	struct stat st;
	int fd = open("was-a-file", O_RDONLY);
	show("utimensat(fd, \"\", AT_EMPTY_PATH)", utimensat(fd, "", t1, AT_EMPTY_PATH));
	printf("mtime through the name: %ld\n", stat("was-a-file", &st) == 0 ? (long)st.st_mtime : -1L);
	int op = open("was-a-file", O_PATH);
	show("fchownat(O_PATH fd, \"\", AT_EMPTY_PATH) to self", fchownat(op, "", getuid(), getgid(), AT_EMPTY_PATH));
	show("utimensat(O_PATH fd, \"\", AT_EMPTY_PATH)", utimensat(op, "", t2, AT_EMPTY_PATH));
	printf("mtime through the name: %ld\n", stat("was-a-file", &st) == 0 ? (long)st.st_mtime : -1L);
	show("utimensat(AT_FDCWD, \"\", AT_EMPTY_PATH)", utimensat(AT_FDCWD, "", t1, AT_EMPTY_PATH));
	printf("mtime of .: %ld\n", stat(".", &st) == 0 ? (long)st.st_mtime : -1L);
	close(fd);
	close(op);
	return 0;
}

/* linkat(fd, "", AT_EMPTY_PATH) with fd open on a lower's file links its
 * copy-up, as the kernel's overlayfs links its inode: never the lower's
 * own inode, which a write through the new name would then change.  Into
 * a directory outside the union (outside: another mount): EXDEV. */
static int empty_link(const char *outside)
{
	char out[4096];
	struct stat a, b;
	int fd = open("was-a-file", O_RDONLY);
	show("linkat(fd, \"\", AT_EMPTY_PATH) outside", linkat(fd, "", AT_FDCWD,
	     (snprintf(out, sizeof out, "%s/linked", outside), out), AT_EMPTY_PATH));
	show("linkat(fd, \"\", AT_EMPTY_PATH)", linkat(fd, "", AT_FDCWD, "linked", AT_EMPTY_PATH));
	printf("one file: %s\n", stat("was-a-file", &a) == 0 && stat("linked", &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev ? "yes" : "no");
	printf("links: %ld\n", stat("linked", &b) == 0 ? (long)b.st_nlink : -1L);
	int w = open("linked", O_WRONLY | O_APPEND);
	show("write through the new name", w < 0 ? -1 : write(w, "g\n", 2) == 2 ? 0 : -1);
	if (w >= 0)
		close(w);
	show_content("content through the old name", "was-a-file");
	int op = open("was-a-file", O_PATH);
	show("linkat(O_PATH fd, \"\", AT_EMPTY_PATH)", linkat(op, "", AT_FDCWD, "linked2", AT_EMPTY_PATH));
	show_content("content through its new name", "linked2");
	close(op);
	close(fd);
	return 0;
}

/* A change through an fd on a lower's file whose name the union has
 * removed: there is no union file left to copy up (the kernel's copy-up
 * meets the whiteout: EEXIST); passed to the kernel as it was, the fd
 * changed the lower's own file. */
static int orphan(const char *f)
{
	struct timespec t[2] = { { 1, 0 }, { 1, 0 } };
	struct stat st;
	int fd = open(f, O_RDONLY);
	show("open", fd);
	show("unlink", unlink(f));
	show("fchmod", fchmod(fd, 0600));
	show("futimens", futimens(fd, t));
	show("fchown to self", fchown(fd, getuid(), getgid()));
	show("fsetxattr", fsetxattr(fd, "user.edge", "1", 1, 0));
	printf("mode through the fd: %o\n", fstat(fd, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0U);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "efault"))
		return efault();
	if (argc >= 3 && !strcmp(argv[1], "chown-noop"))
		return chown_noop(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "unixsock"))
		return unixsock();
	if (argc >= 2 && !strcmp(argv[1], "longpath"))
		return longpath();
	if (argc >= 2 && !strcmp(argv[1], "longtree"))
		return longtree();
	if (argc >= 2 && !strcmp(argv[1], "longlower"))
		return longlower();
	if (argc >= 2 && !strcmp(argv[1], "empty-path"))
		return empty_path();
	if (argc >= 3 && !strcmp(argv[1], "orphan"))
		return orphan(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "empty-link"))
		return empty_link(argv[2]);
	fprintf(stderr, "usage: edges efault|chown-noop FILE|unixsock|longpath|longtree|longlower|empty-path|empty-link DIR|orphan FILE\n");
	return 2;
}
