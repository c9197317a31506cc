/* core/sharedwhiteout.c: whiteout devices made as the kernel makes them,
 * hard links of one whiteout inode, and a new device where no link can
 * be made. */
#include "sharedwhiteout.h"
#include "sys.h"
#include "tap.h"
#include "tests.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static int whiteout(int dfd, const char *name, struct stat *st)
{
	return fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* What a fresh listing of dfd tells of its entry name by its d_ino and
 * d_type alone (ue_whiteout_listed), -1 when it has no such entry. */
static int listed(int dfd, const char *name)
{
	struct ue_shared_listed l = { 0 };
	char buf[4096];
	long n;
	int found = -1;
	lseek(dfd, 0, SEEK_SET);
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			off += d->d_reclen;
			if (!strcmp(d->d_name, name))
				found = ue_whiteout_listed(&l, dfd, d->d_ino, d->d_type);
		}
	}
	return found;
}

/* The fd number this process keeps the shared whiteout ino at, or -1. */
static int shared_fd_number(ino_t ino)
{
	struct stat st;
	for (int fd = 700; fd < 1024; fd++)
		if (fstat(fd, &st) == 0 && st.st_ino == ino && S_ISCHR(st.st_mode))
			return fd;
	return -1;
}

/* The links of the shared whiteout, known from a listing without a stat
 * where the filesystem lists the inode numbers stat gives (dfd holds
 * "three", the shared one, and "four", a link of it). */
static void test_whiteout_listed(int dfd, ino_t shared)
{
	struct statfs sf;
	fstatfs(dfd, &sf);
	long t = (long)sf.f_type;
	int lists = t == EXT4_SUPER_MAGIC || t == XFS_SUPER_MAGIC || t == TMPFS_MAGIC || t == BTRFS_SUPER_MAGIC ||
	            t == F2FS_SUPER_MAGIC;
	is_int(listed(dfd, "four"), lists, "whiteout_listed: a link of the shared whiteout %s (filesystem %#lx)",
	       lists ? "known from its listing" : "not known here: stat'ed", (unsigned long)t);
	is_int(listed(dfd, "three"), lists, "whiteout_listed: ... the shared one's first name too");
	close(openat(dfd, "plain", O_CREAT | O_WRONLY, 0644));
	is_int(listed(dfd, "plain"), 0, "whiteout_listed: a regular file: no");
	int own = mknodat(dfd, "own", S_IFCHR, makedev(0, 0));
	if (own == 0)
		is_int(listed(dfd, "own"), 0, "whiteout_listed: a whiteout of its own inode: not known (stat'ed)");
	int dev = open("/dev", O_RDONLY | O_DIRECTORY);
	struct ue_shared_listed l = { 0 };
	ok(dev < 0 || !ue_whiteout_listed(&l, dev, shared, DT_CHR),
	   "whiteout_listed: a directory on another filesystem, the same inode number: no");
	if (dev >= 0)
		close(dev);
	/* The program took the number for a file of its own: nothing is
	 * known until the shared one is back at it. */
	int n = shared_fd_number(shared), file = openat(dfd, "plain", O_RDONLY);
	ok(n >= 0, "whiteout_listed: the shared whiteout is held at fd %d", n);
	if (n < 0 || file < 0)
		return;
	dup2(file, n);
	is_int(listed(dfd, "four"), 0, "whiteout_listed: its fd taken by another file: not known");
	int back = openat(dfd, "three", O_PATH | O_NOFOLLOW);
	dup2(back, n);
	close(back);
	close(file);
	is_int(listed(dfd, "four"), lists, "whiteout_listed: ... known again once it holds the whiteout");
	unlinkat(dfd, "plain", 0);
	unlinkat(dfd, "own", 0);
}

void test_sharedwhiteout(void)
{
	char dir[64], cmd[128];
	struct stat a, b, c;
	snprintf(dir, sizeof dir, "/tmp/ue-unit-wh.XXXXXX");
	if (!mkdtemp(dir)) {
		ok(0, "whiteout_device: mkdtemp");
		return;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	is_int(ue_whiteout_device(dfd, "one"), 0, "whiteout_device: made");
	ok(whiteout(dfd, "one", &a), "whiteout_device: a char 0/0 device");
	is_int(ue_whiteout_device(dfd, "two"), 0, "whiteout_device: a second");
	ok(whiteout(dfd, "two", &b) && a.st_ino == b.st_ino && b.st_nlink == 2,
	   "whiteout_device: the second is a link of the first (one inode, %ld links)", (long)b.st_nlink);
	is_int(ue_whiteout_device(dfd, "two"), -EEXIST, "whiteout_device: a name taken: EEXIST, as mknodat");
	unlinkat(dfd, "one", 0);
	unlinkat(dfd, "two", 0);
	is_int(ue_whiteout_device(dfd, "three"), 0, "whiteout_device: every name of the shared one removed: made anew");
	ok(whiteout(dfd, "three", &c) && c.st_nlink == 1, "whiteout_device: ... a device of its own");
	int sub = openat(dfd, ".", O_RDONLY | O_DIRECTORY);
	is_int(ue_whiteout_device(sub, "four"), 0, "whiteout_device: through another fd of the directory");
	ok(whiteout(dfd, "four", &b) && b.st_ino == c.st_ino, "whiteout_device: ... linked to the one kept");
	close(sub);
	test_whiteout_listed(dfd, c.st_ino);
	/* A fork child holds the parent's fd, opened with credentials that
	 * are not its own copy: Linux 6.10 refuses it the link from the fd
	 * (AT_EMPTY_PATH) without CAP_DAC_READ_SEARCH, and the link goes
	 * through /proc instead; either way, to the one inode. */
	pid_t kid = fork();
	if (kid == 0) {
		struct stat k;
		int r1 = ue_whiteout_device(dfd, "five"), r2 = ue_whiteout_device(dfd, "six");
		_exit(r1 == 0 && r2 == 0 && whiteout(dfd, "five", &k) && k.st_ino == c.st_ino &&
		              whiteout(dfd, "six", &k) && k.st_ino == c.st_ino ? 0 : 1);
	}
	int status = -1;
	waitpid(kid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "whiteout_device: in a fork child (%s), two more links to the one inode", geteuid() ? "through /proc" : "from the fd");
	close(dfd);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "sharedwhiteout: cannot remove %s\n", dir);
}
