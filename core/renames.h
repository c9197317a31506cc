/* The log of directory renames, shared by the processes of one union.
 *
 * The library's name for the current directory is a string: when the
 * directory or one above it is renamed, by this process or another, the
 * name follows these records (a directory fd or current directory left in
 * a lower directory that a rename copied up is named through
 * core/lowermap.h, which keeps no history to lose).  The renames of files a lower holds are logged too: an fd
 * open on the lower file follows its copy (preload/fdtab.h).  The log
 * lives beside the change ring, in the shared segment (core/shm.h);
 * posting is lock-free, as for the ring. */
#ifndef UE_RENAMES_H
#define UE_RENAMES_H

#include <stddef.h>
#include <stdint.h>

#define UE_RENAME_SLOTS 256
#define UE_RENAME_PATH 512

struct ue_rename_rec {
	_Atomic uint64_t seq;        /* record number + 1 once written; 0 while writing */
	uint32_t exchange;           /* RENAME_EXCHANGE: the two names swapped */
	uint32_t from_len, to_len;   /* UE_RENAME_PATH or more: too long, lost */
	char from[UE_RENAME_PATH], to[UE_RENAME_PATH];
};

struct ue_rename_log {
	_Atomic uint64_t head;       /* number of records ever posted */
	struct ue_rename_rec rec[UE_RENAME_SLOTS];
};

/* After a directory (or, with exchange, either of two names) moved in the
 * union: from and to relative to the mount. */
void ue_renamed(const char *from, const char *to, int exchange);

/* The number of records ever posted: a mark to follow renames from. */
uint64_t ue_renames_head(void);

/* Apply the records numbered *next up to until to rel (relative to the
 * mount) in place, oldest first.  *next stops at a record still being
 * written (the rest is for a later call); *lost is set when a record is no
 * longer in the log (overwritten, too long, or the log was replaced).
 * Returns 1 when rel moved, 0 when not, -ENAMETOOLONG. */
int ue_renames_apply(char *rel, size_t size, uint64_t *next, uint64_t until, int *lost);

#endif
