/* Memory cut from blocks, freed all at once: for many small things that
 * live and die together (a listing's entries, the node cache's), where a
 * malloc and a free each cost more than the thing itself. */
#ifndef UE_BLOCKS_H
#define UE_BLOCKS_H

#include <stddef.h>

struct ue_block;

/* n bytes (16-aligned) from the chain at *head, a new block of at least
 * size bytes put in front when the first has no room.  mapped: blocks are
 * mapped from the kernel, not malloc'd (no malloc arena for a thread that
 * had none, no memory left in malloc's heap after the free).  NULL when
 * out of memory. */
void *ue_block_alloc(struct ue_block **head, size_t n, size_t size, int mapped);
/* Every block of the chain freed; *head NULL. */
void ue_blocks_free(struct ue_block **head);

#endif
