/* Memory cut from blocks, freed all at once: for many small things that
 * live and die together (a listing's entries and the names it has seen),
 * where a malloc and a free each cost more than the thing itself.  (The
 * node cache's entries were tried: its blocks held pages that malloc
 * would have given again to the listings, 1,250 page faults more in a
 * du of 85,000 names.) */
#ifndef UE_BLOCKS_H
#define UE_BLOCKS_H

#include <stdatomic.h>
#include <stddef.h>

struct ue_block;

/* Where a freed chain leaves one block for the next (NULL: none kept).
 * A listing a directory, freed at closedir, gave malloc a block back and
 * took one again each time: find's own mallocs, between them, cost it
 * 22% of its time against 9% natively (the heap grown and trimmed). */
typedef _Atomic(struct ue_block *) ue_block_spare;

/* n bytes (16-aligned) from the chain at *head, a new block of at least
 * size bytes put in front when the first has no room (the spare one when
 * it is big enough).  NULL when out of memory. */
void *ue_block_alloc(struct ue_block **head, size_t n, size_t size, ue_block_spare *spare);
/* The chain freed, its first block kept in *spare when that is empty;
 * *head NULL. */
void ue_blocks_free(struct ue_block **head, ue_block_spare *spare);

#endif
