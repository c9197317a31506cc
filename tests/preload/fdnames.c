/* Directory fds whose directory changes under them, by this process or by
 * another: every call relative to such an fd must name what the kernel's
 * overlayfs would (the preload keeps each fd's union name, core/fdnames.h).
 * Each case uses the fd once before the change, so a name kept from that
 * first use would be the one that goes stale.  Run from the mount, where
 * d is a directory merging lower ones with a file a in it, and l one whose
 * files a and b stay in the lowers.  Prints one line
 * per case. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int dir(const char *name)
{
	int fd = open(name, O_RDONLY | O_DIRECTORY);
	struct stat st;
	if (fd < 0 || fstatat(fd, ".", &st, 0) < 0) {  /* the first use */
		perror(name);
		exit(1);
	}
	return fd;
}

static void sh(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		exit(1);
	}
}

/* Make name relative to fd; say where it landed (want) or the error. */
static void make(const char *what, int fd, const char *name, const char *want)
{
	struct stat st;
	int f = openat(fd, name, O_CREAT | O_WRONLY, 0644);
	if (f < 0)
		printf("%s: %s\n", what, strerror(errno));
	else
		printf("%s: %s\n", what, stat(want, &st) == 0 ? "made there" : "made elsewhere");
	if (f >= 0)
		close(f);
}

static void find(const char *what, int fd, const char *name)
{
	struct stat st;
	printf("%s: %s\n", what, fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? "found" : strerror(errno));
}

int main(void)
{
	int fd, fd2;
	setvbuf(stdout, NULL, _IOLBF, 0);  /* a fork child must not print ours again */
	/* Renamed by another process: a directory of the upper, a merged
	 * one, one whose parent is renamed. */
	sh("mkdir u1");
	fd = dir("u1");
	sh("mv u1 u2");
	make("upper directory renamed by another process", fd, "n", "u2/n");
	fd = dir("d");
	sh("mv d d2");
	find("merged directory renamed: its lower file", fd, "a");
	make("merged directory renamed by another process", fd, "n", "d2/n");
	sh("mkdir -p h/i");
	fd = dir("h/i");
	sh("mv h h2");
	make("parent renamed by another process", fd, "n", "h2/i/n");
	/* Renamed by this process. */
	sh("mkdir s1");
	fd = dir("s1");
	if (rename("s1", "s2") < 0)
		perror("rename");
	make("renamed by this process", fd, "n", "s2/n");
	/* Removed, and another made at its name. */
	sh("mkdir r");
	fd = dir("r");
	sh("rmdir r && mkdir r");
	make("removed and made anew by another process", fd, "n", "r/n");
	/* The fd number given another directory by dup2. */
	sh("mkdir x y && touch y/only-y");
	fd = dir("x");
	fd2 = dir("y");
	dup2(fd2, fd);
	find("dup2 over a named fd", fd, "only-y");
	close(fd2);
	/* A duplicate outlives its original, then the directory moves. */
	sh("mkdir e");
	fd = dir("e");
	fd2 = dup(fd);
	close(fd);
	sh("mv e e2");
	make("a duplicate after a rename", fd2, "n", "e2/n");
	/* Closed, and its number reused for another directory. */
	sh("mkdir p q && touch q/only-q");
	fd = dir("p");
	close(fd);
	fd2 = dir("q");
	find(fd2 == fd ? "number reused for another directory" : "number reused (another number)", fd2, "only-q");
	/* More changes than the ring of changes holds between two uses. */
	sh("mkdir g");
	fd = dir("g");
	sh("mkdir many && cd many && i=0; while [ $i -lt 1100 ]; do : > f$i; i=$((i+1)); done; cd .. && mv g g2");
	make("renamed among more changes than the ring holds", fd, "n", "g2/n");
	/* A fork child renames, both use the fd. */
	sh("mkdir c");
	fd = dir("c");
	pid_t pid = fork();
	if (pid == 0) {
		sh("mv c c2");
		make("fork child, after its rename", fd, "n", "c2/n");
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	make("fork parent, after the child's rename", fd, "m", "c2/m");
	/* An fd that the open made its file in the upper, closed, and its
	 * number given to a lower file: a change through it is a copy-up. */
	struct stat st;
	fd = open("made", O_CREAT | O_WRONLY, 0644);
	close(fd);
	fd2 = open("l/a", O_RDONLY);
	fchmod(fd2, 0600);
	printf("number of a made file reused for a lower one (%s): mode %o\n", fd2 == fd ? "same" : "other",
	       stat("l/a", &st) == 0 ? st.st_mode & 07777 : 0);
	close(fd2);
	fd = open("made2", O_CREAT | O_WRONLY, 0644);
	fd2 = open("l/b", O_RDONLY);
	dup2(fd2, fd);
	fchmod(fd, 0640);
	printf("dup2 of a lower file over a made one: mode %o\n", stat("l/b", &st) == 0 ? st.st_mode & 07777 : 0);
	close(fd);
	close(fd2);
	/* A vfork child puts another directory at the fd's number and uses
	 * it before it execs: the parent's fd is still its own. */
	sh("mkdir v w && touch w/only-w");
	fd = dir("v");
	pid = vfork();
	if (pid == 0) {
		struct stat st;
		close(fd);
		int c = open("w", O_RDONLY | O_DIRECTORY);
		if (c != fd || fstatat(c, "only-w", &st, 0) < 0)
			_exit(1);
		char *argv[] = { "true", NULL };
		execve("/bin/true", argv, environ);
		_exit(1);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("vfork child: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "failed");
	make("vfork parent, after the child's exec", fd, "n", "v/n");
	return 0;
}
