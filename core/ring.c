#include "ring.h"
#include "shm.h"

#include <stdatomic.h>
#include <string.h>

/* Lock-free: also safe from a signal handler and in a vfork child. */
void ue_ring_post(struct ue_ring *ring, const char *rel, int subtree)
{
	size_t len = strlen(rel);
	uint64_t n = atomic_fetch_add_explicit(&ring->head, 1, memory_order_acq_rel);
	struct ue_ring_slot *s = &ring->slot[n % UE_RING_SLOTS];
	atomic_store_explicit(&s->seq, 0, memory_order_release);
	s->subtree = subtree != 0;
	s->len = (uint32_t)(len < UE_RING_PATH ? len : UE_RING_PATH);
	if (len < UE_RING_PATH)
		memcpy(s->rel, rel, len);
	atomic_store_explicit(&s->seq, n + 1, memory_order_release);
}

static int event(const struct ue_ring *ring, uint64_t n, char *rel, size_t *len, int subtree_ok)
{
	const struct ue_ring_slot *s = &ring->slot[n % UE_RING_SLOTS];
	if (atomic_load_explicit(&s->seq, memory_order_acquire) != n + 1)
		return 0;
	uint32_t l = s->len, subtree = s->subtree;
	if (l >= UE_RING_PATH || (subtree && !subtree_ok))
		return 0;
	memcpy(rel, s->rel, l);
	if (atomic_load_explicit(&s->seq, memory_order_acquire) != n + 1)
		return 0;
	*len = l;
	return 1;
}

int ue_ring_event(const struct ue_ring *ring, uint64_t n, char *rel, size_t *len)
{
	return event(ring, n, rel, len, 0);
}

int ue_ring_event_path(const struct ue_ring *ring, uint64_t n, char *rel, size_t *len)
{
	return event(ring, n, rel, len, 1);
}

void ue_changed(const char *rel, int subtree)
{
	ue_ring_post(&ue_shm->ring, rel, subtree);
}
