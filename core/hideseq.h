/* Operations that can hide what the lowers show below an existing name of
 * the union: a directory made opaque over a whiteout, a directory renamed
 * (copied up whole, marked, moved), a directory put back opaque.  Counted
 * in the shared segment (core/shm.h), begun and done, so that a removal
 * can tell that none ran between its look and its whiteout: the node it
 * looked at then still says what shows above the name, and the directories
 * above need not be asked again, one listxattr each (core/ops.c,
 * lower_may_show).  Every such operation brackets itself, its ring posts
 * included, with ue_hide_begin and ue_hide_end. */
#ifndef UE_HIDESEQ_H
#define UE_HIDESEQ_H

#include <stdint.h>

/* Before a look: 0 when unsure (an operation under way, or no shared
 * segment: processes of another ring cannot be seen), else a mark for
 * ue_hide_none_since. */
uint64_t ue_hide_snapshot(void);
/* Whether no such operation began since the snapshot mark (0: no). */
int ue_hide_none_since(uint64_t mark);

void ue_hide_begin(void);
void ue_hide_end(void);

#endif
