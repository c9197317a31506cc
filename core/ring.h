/* The ring of change events, shared by the processes of one upper (it
 * lives in the segment, core/shm.h).  Every mutation posts the union paths
 * it changed; every process applies the events it has not seen to its node
 * cache (core/nodecache.c) before it looks anything up.  Posting is
 * lock-free (an atomic counter and a per-slot sequence number), so a
 * wrapper in a signal handler or a vfork child can post. */
#ifndef UE_RING_H
#define UE_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define UE_RING_SLOTS 1024
#define UE_RING_PATH 240

struct ue_ring_slot {
	_Atomic uint64_t seq;    /* event number + 1 once written; 0 while writing */
	uint32_t subtree;
	uint32_t len;            /* UE_RING_PATH or more: too long, flush all */
	char rel[UE_RING_PATH];
};

struct ue_ring {
	_Atomic uint64_t head;   /* number of events ever posted */
	struct ue_ring_slot slot[UE_RING_SLOTS];
};

void ue_ring_post(struct ue_ring *ring, const char *rel, int subtree);
/* Inline: every cached lookup reads it. */
static inline uint64_t ue_ring_head(const struct ue_ring *ring)
{
	return atomic_load_explicit(&ring->head, memory_order_acquire);
}
/* Event number n into rel (len bytes, not terminated): 1, or 0 when it
 * cannot be read as one path (being written, overwritten, too long, a
 * subtree): the reader then flushes everything. */
int ue_ring_event(const struct ue_ring *ring, uint64_t n, char *rel, size_t *len);
/* The same, a subtree event too (its path bounds what it changed). */
int ue_ring_event_path(const struct ue_ring *ring, uint64_t n, char *rel, size_t *len);

/* Announce a change at rel (relative to the mount) to every process of
 * the union; subtree: everything below may have changed. */
void ue_changed(const char *rel, int subtree);

#endif
