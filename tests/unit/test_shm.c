/* core/shm.c: the segment shared by the processes of one upper, a file in
 * /dev/shm named after the upper: attached by every process (the same
 * memory), marked as that upper's, replaced when damaged; a private
 * stand-in where none can be had; the lock among processes. */
#include "cache.h"
#include "config.h"
#include "fixture.h"
#include "ring.h"
#include "shm.h"
#include "tap.h"
#include "tests.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void test_shm(void)
{
	char path[160];
	struct stat st;
	fx_setup(1, NULL);
	ue_shm_reset();
	ok(ue_shm == &ue_shm_private && ue_shm_intact(), "shm_reset: the private stand-in, intact");
	is_int(ue_shm_lock(), UE_SHM_ALONE, "shm_lock: nobody else shares a private segment");
	stat(fx_path("U", ""), &st);
	snprintf(path, sizeof path, "/dev/shm/" UE_SHM_PREFIX "%u-%lx-%lx", (unsigned)geteuid(), (unsigned long)st.st_dev,
	         (unsigned long)st.st_ino);
	if (ue_shm_attach() != 1) {
		ok(1, "shm_attach # skip no segment can be shared here (/dev/shm)");
		fx_teardown();
		return;
	}
	ok(ue_shm != &ue_shm_private && ue_shm->magic == UE_SHM_MAGIC && ue_shm_intact(), "shm_attach: shared, marked");
	is_str(ue_shm->upper, fx_path("U", ""), "shm_attach: the upper it belongs to");
	struct stat seg;
	ok(stat(path, &seg) == 0 && S_ISREG(seg.st_mode) && (seg.st_mode & 0777) == 0600 && seg.st_uid == geteuid(),
	   "shm_attach: /dev/shm/unionenv-UID-DEV-INO, a file of ours, 0600");
	uint64_t head = ue_ring_head(&ue_shm->ring);
	pid_t child = fork();
	if (child == 0) {
		ue_shm_attach();
		ue_changed("from/the/child", 0);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	is_int(ue_ring_head(&ue_shm->ring), head + 1, "shm_attach: another process's segment is the same memory");
	int lock = ue_shm_lock();
	ok(lock >= 0, "shm_lock: taken");
	ue_shm_unlock(lock);
	lock = ue_shm_lock();
	ok(lock >= 0, "shm_lock: taken again after the unlock");
	ue_shm_unlock(lock);

	/* Processes of a new union start at once where a segment not theirs
	 * has the name (the upper reuses a dead upper's inode number, as a
	 * test harness's temporary uppers often do): each replaces it, and
	 * one's removal must not take the new segment another has just made
	 * and uses, or they no longer share a ring (a read through an fd
	 * opened before another process's copy-up gave the old bytes; a
	 * supervisor showed a stale node). */
	int split = 0;
	for (int round = 0; round < 60 && !split; round++) {
		enum { K = 4 };
		ue_shm->magic = 12345;  /* damaged: foreign to every newcomer */
		ue_shm_reset();
		int go[2];
		if (pipe(go) < 0)
			break;
		pid_t kids[K];
		for (int k = 0; k < K; k++) {
			if ((kids[k] = fork()) == 0) {
				char c;
				close(go[1]);
				if (read(go[0], &c, 1) < 0)
					_exit(1);
				ue_shm_attach();
				ue_changed("kid", 0);
				_exit(0);
			}
		}
		close(go[0]);
		close(go[1]);  /* all start at once */
		for (int k = 0; k < K; k++)
			waitpid(kids[k], NULL, 0);
		ue_shm_attach();
		split = ue_ring_head(&ue_shm->ring) != K;
	}
	ok(!split, "shm_attach: processes replacing a foreign segment at once all share the one that stays");

	/* A segment whose upper is gone is removed by the next union's
	 * first process (its upper's inode number is not the one recorded). */
	char dead[200];
	snprintf(dead, sizeof dead, "%s-dead", path);
	int dfd = open(dead, O_RDWR | O_CREAT | O_EXCL, 0600);
	ok(dfd >= 0 && ftruncate(dfd, sizeof(struct ue_shm)) == 0 &&
	   pwrite(dfd, ue_shm, offsetof(struct ue_shm, ring), 0) == (ssize_t)offsetof(struct ue_shm, ring),
	   "shm_attach: a copy of the segment made");
	uint64_t gone_ino = ue_shm->upper_ino ^ 1;  /* another upper's, that inode gone */
	ok(pwrite(dfd, &gone_ino, sizeof gone_ino, offsetof(struct ue_shm, upper_ino)) == sizeof gone_ino,
	   "shm_attach: the copy made a dead upper's");
	close(dfd);
	ue_shm_reset();
	unlink(path);
	ok(ue_shm_attach() == 1 && access(dead, F_OK) < 0 && access(path, F_OK) == 0,
	   "shm_attach: a new segment's maker removes a dead upper's segment");
	unlink(dead);

	ue_shm->magic = 12345;
	ok(!ue_shm_intact(), "shm_intact: a damaged segment is not trusted");
	ue_shm_reset();
	ok(ue_shm_attach() == 1 && ue_shm->magic == UE_SHM_MAGIC && ue_ring_head(&ue_shm->ring) == 0,
	   "shm_attach: a damaged segment is replaced, never taken over");
	ue_shm_reset();
	unlink(path);
	fx_teardown();
}
