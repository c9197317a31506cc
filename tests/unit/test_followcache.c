/* core/followcache.c: verdicts on programs shared through a file of
 * sealed slots: a hit only for the same key, a damaged or untrusted file
 * a miss, a file changed in the last seconds never cached. */
#include "followcache.h"
#include "tap.h"
#include "tests.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int hit(const struct stat *st)
{
	uint32_t code = 0;
	return ue_followcache_get(st, &code) ? (int)code : -1;
}

void test_followcache(void)
{
	char dir[64], path[128], cmd[128];
	const char *saved = getenv("UNIONENV_FOLLOW_CACHE");
	char *keep = saved ? strdup(saved) : NULL;
	snprintf(dir, sizeof dir, "/tmp/ue-unit-fc.XXXXXX");
	if (!mkdtemp(dir)) {
		ok(0, "followcache: mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/cache", dir);
	setenv("UNIONENV_FOLLOW_CACHE", path, 1);

	struct stat st, other;
	memset(&st, 0, sizeof st);
	st.st_dev = 2049;
	st.st_ino = 4242;
	st.st_size = 1000;
	st.st_mtim.tv_sec = st.st_ctim.tv_sec = time(NULL) - 100;
	is_int(hit(&st), -1, "followcache: no file: a miss");
	ue_followcache_put(&st, 7);
	is_int(hit(&st), 7, "followcache: put, then a hit with its verdict");
	struct stat fst;
	ok(stat(path, &fst) == 0 && S_ISREG(fst.st_mode) && (fst.st_mode & 0777) == 0600, "followcache: the file is ours, 0600");
	other = st;
	other.st_size = 1001;
	is_int(hit(&other), -1, "followcache: another size: a miss");
	other = st;
	other.st_ctim.tv_nsec = 1;
	is_int(hit(&other), -1, "followcache: another ctime: a miss");
	other = st;
	other.st_ino = 4243;
	ue_followcache_put(&other, 3);
	ok(hit(&other) == 3 && hit(&st) == 7, "followcache: two programs, two verdicts");
	other = st;
	other.st_ino = 99;
	other.st_mtim.tv_sec = other.st_ctim.tv_sec = time(NULL);
	ue_followcache_put(&other, 5);
	is_int(hit(&other), -1, "followcache: a program changed just now is not cached");

	chmod(path, 0644);
	is_int(hit(&st), -1, "followcache: a file others may write is not trusted");
	chmod(path, 0600);
	snprintf(cmd, sizeof cmd, "%s/link", dir);
	link(path, cmd);
	is_int(hit(&st), -1, "followcache: nor one with two links");
	unlink(cmd);
	is_int(hit(&st), 7, "followcache: trusted again");
	int fd = open(path, O_WRONLY);
	char junk[4096];
	memset(junk, 0xa5, sizeof junk);
	for (int i = 0; i < 64; i++)
		if (write(fd, junk, sizeof junk) != (ssize_t)sizeof junk)
			break;
	close(fd);
	is_int(hit(&st), -1, "followcache: a scribbled slot: a miss, not a wrong verdict");
	unlink(path);
	mkfifo(path, 0600);
	is_int(hit(&st), -1, "followcache: a FIFO under the name: a miss, and no hang");
	ue_followcache_put(&st, 7);
	is_int(hit(&st), -1, "followcache: ... nor written");
	unlink(path);
	setenv("UNIONENV_FOLLOW_CACHE", "", 1);
	ue_followcache_put(&st, 7);
	is_int(hit(&st), -1, "followcache: an empty UNIONENV_FOLLOW_CACHE: no cache");
	ok(access(path, F_OK) != 0, "followcache: ... and no file made");

	if (keep) {
		setenv("UNIONENV_FOLLOW_CACHE", keep, 1);
		free(keep);
	} else {
		unsetenv("UNIONENV_FOLLOW_CACHE");
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "followcache: cannot remove %s\n", dir);
}
