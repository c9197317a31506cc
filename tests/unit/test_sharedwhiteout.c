/* core/sharedwhiteout.c: whiteout devices made as the kernel makes them,
 * hard links of one whiteout inode, and a new device where no link can
 * be made. */
#include "sharedwhiteout.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static int whiteout(int dfd, const char *name, struct stat *st)
{
	return fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
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
