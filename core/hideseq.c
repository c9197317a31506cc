#include "hideseq.h"
#include "shm.h"

#include <stdatomic.h>

/* Sequentially consistent throughout: an operation's count is raised
 * before its first change and its done count after its last, so a reader
 * that finds the two equal, and the begun count unchanged later, saw no
 * operation overlap the time between. */
uint64_t ue_hide_snapshot(void)
{
	if (ue_shm == &ue_shm_private)
		return 0;
	uint64_t done = atomic_load(&ue_shm->hide_done);
	uint64_t begun = atomic_load(&ue_shm->hide_begun);
	return begun == done ? begun + 1 : 0;
}

int ue_hide_none_since(uint64_t mark)
{
	return mark != 0 && ue_shm != &ue_shm_private && atomic_load(&ue_shm->hide_begun) + 1 == mark;
}

void ue_hide_begin(void)
{
	atomic_fetch_add(&ue_shm->hide_begun, 1);
}

void ue_hide_end(void)
{
	atomic_fetch_add(&ue_shm->hide_done, 1);
}
