/* The segment of memory shared by the processes of one upper: a file in
 * /dev/shm named after the upper (/dev/shm/unionenv-UID-DEV-INO), mapped by
 * every process on that upper, whatever launched it.  It holds the change
 * ring (core/ring.h), the log of directory renames (core/renames.h) and the
 * map of lower directories renamed (core/lowermap.h); this file knows its
 * layout, attaches to it, removes the segments of uppers that are gone, and
 * keeps the lock among processes for what cannot be changed lock-free.
 * Where no segment can be shared, a private one stands in (ue_shm is never
 * NULL) and the node cache stays off: nobody could tell it of changes. */
#ifndef UE_SHM_H
#define UE_SHM_H

#include <stdint.h>
#include "lowermap.h"
#include "renames.h"
#include "ring.h"

#define UE_SHM_PREFIX "unionenv-"

struct ue_shm {
	uint64_t magic;
	uint64_t upper_dev, upper_ino;
	uint64_t upper_born;     /* birth time in ns: a new upper may reuse a dead one's inode */
	char upper[4096];        /* whose segment: found dead once that upper is gone */
	/* Operations that hide lowers' names, begun and done (core/hideseq.h). */
	_Atomic uint64_t hide_begun, hide_done;
	struct ue_ring ring;
	struct ue_rename_log renames;
	struct ue_lowermap lowermap;
};

/* This process's segment: the shared one, or a private stand-in. */
extern struct ue_shm *ue_shm;

/* Attach to the segment of the configured upper: 1 shared, 0 private. */
int ue_shm_attach(void);
#define UE_SHM_MAGIC 0x756e696f6e726e36ULL  /* "unionrn6" */

/* The private stand-in (unmarked: nobody else writes it). */
extern struct ue_shm ue_shm_private;

/* The segment still carries its mark (a damaged one, overwritten by a
 * process of this user, is not trusted: the node cache stops).  Inline:
 * every cached lookup asks. */
static inline int ue_shm_intact(void)
{
	return ue_shm->magic == UE_SHM_MAGIC || ue_shm == &ue_shm_private;
}
/* Back to an empty private segment (the unit tests: one process alone). */
void ue_shm_reset(void);

/* Exclusive among the processes of the union, for changes that cannot be
 * made lock-free (directory renames, the lower map): a record lock on the
 * segment's file among processes (released when its holder dies, not
 * inherited by a fork child) and UE_LOCK_RENAME among threads.  Returns a
 * lock (>= 0) for ue_shm_unlock, UE_SHM_ALONE when no other process
 * shares the segment, -1 when it cannot be had (never blocks for long). */
#define UE_SHM_ALONE (-2)
int ue_shm_lock(void);
void ue_shm_unlock(int lock);

#endif
