/* emptypath: the "" + AT_EMPTY_PATH forms of the *at calls, each on an fd
 * open read-only and one open O_PATH on a lower's file, and with AT_FDCWD
 * (the kernel acts on the current directory).  Run from a directory that
 * only a lower holds, whose files are named as below
 * (tests/scenarios/emptypath.sh): statically linked, every call is served
 * by the supervisor; dynamically, by the preload.  Each line is what the
 * kernel's overlayfs prints too; the lowers must not change.
 *
 *   emptypath          the cases, in order
 *   emptypath ran ARG  (run by execveat) print "ran ARG" */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static void show(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
}

/* What a case changed, seen through the name (and, for the current
 * directory, through ".") as any later reader sees it. */
static void owner(const char *name, uid_t u, gid_t g)
{
	struct stat st;
	if (stat(name, &st) < 0)
		printf("  %s: %s\n", name, strerrorname_np(errno));
	else
		printf("  %s owned by the new owner: %s\n", name, st.st_uid == u && st.st_gid == g ? "yes" : "no");
}

static void mtime(const char *name)
{
	struct stat st;
	if (stat(name, &st) < 0)
		printf("  %s: %s\n", name, strerrorname_np(errno));
	else
		printf("  %s mtime %ld\n", name, (long)st.st_mtime);
}

static void mode(const char *name)
{
	struct stat st;
	if (stat(name, &st) < 0)
		printf("  %s: %s\n", name, strerrorname_np(errno));
	else
		printf("  %s mode %o\n", name, (unsigned)(st.st_mode & 07777));
}

static void content(const char *name)
{
	char b[64];
	int fd = open(name, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof b - 1);
	if (n < 0) {
		printf("  %s: %s\n", name, strerrorname_np(errno));
	} else {
		b[n] = '\0';
		b[strcspn(b, "\n")] = '\0';
		printf("  %s holds \"%s\"\n", name, b);
	}
	if (fd >= 0)
		close(fd);
}

/* linkat(fd, "", new): the new name is the file fd is on, and a write
 * through it is read through the old one (one inode, in the upper). */
static void linked(const char *old, const char *new)
{
	struct stat a, b;
	if (stat(old, &a) < 0 || stat(new, &b) < 0) {
		printf("  %s, %s: %s\n", old, new, strerrorname_np(errno));
		return;
	}
	printf("  %s and %s one file: %s, links %lu\n", old, new, a.st_ino == b.st_ino ? "yes" : "no",
	       (unsigned long)b.st_nlink);
	int fd = open(new, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "+new\n", 5) != 5)
		printf("  append to %s: %s\n", new, strerrorname_np(errno));
	if (fd >= 0)
		close(fd);
	content(old);
}

/* fstatat and statx of (fd, "", AT_EMPTY_PATH) against stat of name. */
static void same_as(const char *what, int fd, const char *name)
{
	struct stat want, st;
	struct statx stx;
	if (stat(name, &want) < 0) {
		printf("  %s: %s\n", name, strerrorname_np(errno));
		return;
	}
	if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0)
		printf("  fstatat(%s, \"\", AT_EMPTY_PATH): %s\n", what, strerrorname_np(errno));
	else
		printf("  fstatat(%s, \"\", AT_EMPTY_PATH) as stat(\"%s\"): ino %s, mode %s, mtime %s\n", what, name,
		       st.st_ino == want.st_ino ? "same" : "differs", st.st_mode == want.st_mode ? "same" : "differs",
		       st.st_mtime == want.st_mtime ? "same" : "differs");
	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) < 0)
		printf("  statx(%s, \"\", AT_EMPTY_PATH): %s\n", what, strerrorname_np(errno));
	else
		printf("  statx(%s, \"\", AT_EMPTY_PATH) as stat(\"%s\"): ino %s, mode %s, mtime %s\n", what, name,
		       stx.stx_ino == want.st_ino ? "same" : "differs", stx.stx_mode == want.st_mode ? "same" : "differs",
		       stx.stx_mtime.tv_sec == want.st_mtime ? "same" : "differs");
}

/* execveat(fd, "", AT_EMPTY_PATH) of this program (a copy in the lower):
 * what it printed, its status. */
static void exec_at(const char *what, int fd)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		char *argv[] = { "emptypath", "ran", (char *)what, NULL }, *envp[] = { NULL };
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		printf("execveat(%s, \"\", AT_EMPTY_PATH): %s\n", what, strerrorname_np(errno));
		fflush(stdout);
		_exit(1);
	}
	int st;
	waitpid(p, &st, 0);
	printf("  status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "ran")) {
		printf("ran %s\n", argv[2]);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* As root a real change of owner; else to oneself, which the kernel
	 * still does (the lowers' ctime would show it). */
	uid_t u = geteuid() == 0 ? 4321 : getuid();
	gid_t g = geteuid() == 0 ? 4321 : getgid();
	int fd, op;

	fd = open("own-ro", O_RDONLY);
	show("fchownat(fd, \"\", AT_EMPTY_PATH)", fchownat(fd, "", u, g, AT_EMPTY_PATH));
	owner("own-ro", u, g);
	close(fd);
	op = open("own-path", O_PATH);
	show("fchownat(O_PATH fd, \"\", AT_EMPTY_PATH)", fchownat(op, "", u, g, AT_EMPTY_PATH));
	owner("own-path", u, g);
	close(op);

	struct timespec t1[2] = { { 1000, 0 }, { 1000, 0 } }, t2[2] = { { 2000, 0 }, { 2000, 0 } };
	fd = open("time-ro", O_RDONLY);
	show("utimensat(fd, \"\", AT_EMPTY_PATH)", utimensat(fd, "", t1, AT_EMPTY_PATH));
	mtime("time-ro");
	close(fd);
	op = open("time-path", O_PATH);
	show("utimensat(O_PATH fd, \"\", AT_EMPTY_PATH)", utimensat(op, "", t2, AT_EMPTY_PATH));
	mtime("time-path");
	close(op);

	fd = open("mode-ro", O_RDONLY);
	show("fchmodat2(fd, \"\", 0600, AT_EMPTY_PATH)", syscall(SYS_fchmodat2, fd, "", 0600, AT_EMPTY_PATH));
	mode("mode-ro");
	close(fd);
	op = open("mode-path", O_PATH);
	show("fchmodat2(O_PATH fd, \"\", 0604, AT_EMPTY_PATH)", syscall(SYS_fchmodat2, op, "", 0604, AT_EMPTY_PATH));
	mode("mode-path");
	close(op);

	fd = open("link-ro", O_RDONLY);
	show("linkat(fd, \"\", \"link-ro.new\", AT_EMPTY_PATH)", linkat(fd, "", AT_FDCWD, "link-ro.new", AT_EMPTY_PATH));
	linked("link-ro", "link-ro.new");
	close(fd);
	op = open("link-path", O_PATH);
	show("linkat(O_PATH fd, \"\", \"link-path.new\", AT_EMPTY_PATH)",
	     linkat(op, "", AT_FDCWD, "link-path.new", AT_EMPTY_PATH));
	linked("link-path", "link-path.new");
	close(op);

	/* After the copy-ups above: the fds see what the names see. */
	fd = open("mode-ro", O_RDONLY);
	same_as("fd", fd, "mode-ro");
	close(fd);
	op = open("mode-path", O_PATH);
	same_as("O_PATH fd", op, "mode-path");
	close(op);

	fd = open("prog", O_RDONLY);
	exec_at("fd", fd);
	close(fd);
	op = open("prog", O_PATH);
	exec_at("O_PATH fd", op);
	close(op);

	/* AT_FDCWD: the current directory, a lower's. */
	show("fchownat(AT_FDCWD, \"\", AT_EMPTY_PATH)", fchownat(AT_FDCWD, "", u, g, AT_EMPTY_PATH));
	owner(".", u, g);
	show("utimensat(AT_FDCWD, \"\", AT_EMPTY_PATH)", utimensat(AT_FDCWD, "", t1, AT_EMPTY_PATH));
	mtime(".");
	show("fchmodat2(AT_FDCWD, \"\", 0705, AT_EMPTY_PATH)", syscall(SYS_fchmodat2, AT_FDCWD, "", 0705, AT_EMPTY_PATH));
	mode(".");
	show("linkat(AT_FDCWD, \"\", \"cwd.new\", AT_EMPTY_PATH)", linkat(AT_FDCWD, "", AT_FDCWD, "cwd.new", AT_EMPTY_PATH));
	same_as("AT_FDCWD", AT_FDCWD, ".");
	exec_at("AT_FDCWD", AT_FDCWD);
	return 0;
}
