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

	ue_shm->magic = 12345;
	ok(!ue_shm_intact(), "shm_intact: a damaged segment is not trusted");
	ue_shm_reset();
	ok(ue_shm_attach() == 1 && ue_shm->magic == UE_SHM_MAGIC && ue_ring_head(&ue_shm->ring) == 0,
	   "shm_attach: a damaged segment is replaced, never taken over");
	ue_shm_reset();
	unlink(path);
	fx_teardown();
}
