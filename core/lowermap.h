/* Where the lower directories that a rename left behind are shown now.
 *
 * A directory that merges lower content is renamed by copying it up whole:
 * its lower directories stay where they are, hidden for good under the old
 * name.  A directory fd or a current directory in one of them is named
 * through this map: an entry says "the lower directories at union path
 * FROM are shown at TO now".  Every directory rename updates the entries
 * it moves, under a lock taken before the rename (core/shm.h,
 * ue_shm_lock); readers take a consistent view under a sequence
 * counter.  The map lives in the shared segment (core/shm.h). */
#ifndef UE_LOWERMAP_H
#define UE_LOWERMAP_H

#include <stddef.h>
#include <stdint.h>

#define UE_LOWERMAP_SLOTS 256
#define UE_LOWERMAP_PATH 512

struct ue_lowermap_ent {
	uint32_t from_len, to_len;   /* to_len 0: the directory is gone */
	char from[UE_LOWERMAP_PATH], to[UE_LOWERMAP_PATH];
};

struct ue_lowermap {
	_Atomic uint32_t seq;        /* odd while a rename changes the map */
	uint32_t n;                  /* entries in use */
	uint32_t broken;             /* an entry could not be kept: the map says nothing */
	struct ue_lowermap_ent ent[UE_LOWERMAP_SLOTS];
};

/* After the rename of directory from to to (relative to the mount), or
 * their exchange; from_lower, to_lower: the directory at that name merged
 * lower directories of its own before (it was copied up whole).  lock:
 * what ue_shm_lock gave (held since before the rename). */
void ue_lowermap_renamed(int lock, const char *from, const char *to, int exchange, int from_lower, int to_lower);

/* After the removal of directory rel: lower directories shown there are
 * gone, not shown in a directory made later at that name. */
void ue_lowermap_removed(const char *rel);

/* rel, a path below a lower's root, as the union shows it now, in place:
 * 1 when it moved, 0 when not or when the map cannot tell. */
int ue_lowermap_find(char *rel, size_t size);

#endif
