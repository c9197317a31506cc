/* core/ring.c: the ring of change events, posted lock-free, read back by
 * number; what cannot be read as one path tells the reader to flush. */
#include "ring.h"
#include "shm.h"
#include "tap.h"
#include "tests.h"

#include <stdio.h>
#include <string.h>

static struct ue_ring ring;

static const char *event(uint64_t n, int with_subtrees)
{
	static char rel[UE_RING_PATH + 1];
	size_t len = 0;
	int r = with_subtrees ? ue_ring_event_path(&ring, n, rel, &len) : ue_ring_event(&ring, n, rel, &len);
	if (!r)
		return "(flush)";
	rel[len] = '\0';
	return rel;
}

void test_ring(void)
{
	memset(&ring, 0, sizeof ring);
	is_int(ue_ring_head(&ring), 0, "ring: empty");
	ue_ring_post(&ring, "a/b", 0);
	ue_ring_post(&ring, "", 0);
	ue_ring_post(&ring, "d", 1);
	is_int(ue_ring_head(&ring), 3, "ring: three events posted");
	is_str(event(0, 0), "a/b", "ring: event 0 is the path posted");
	is_str(event(1, 0), "", "ring: the root's change, an empty path");
	is_str(event(2, 0), "(flush)", "ring: a subtree's event is no one path");
	is_str(event(2, 1), "d", "ring: ... but its path bounds it");
	is_str(event(3, 0), "(flush)", "ring: an event not yet posted");
	char lng[UE_RING_PATH + 10];
	memset(lng, 'x', sizeof lng - 1);
	lng[sizeof lng - 1] = '\0';
	ue_ring_post(&ring, lng, 0);
	is_str(event(3, 1), "(flush)", "ring: a path too long for a slot: flush");
	lng[UE_RING_PATH - 1] = '\0';
	ue_ring_post(&ring, lng, 0);
	is_int((long)strlen(event(4, 0)), UE_RING_PATH - 1, "ring: the longest path a slot holds");
	for (int i = 0; i < UE_RING_SLOTS; i++)
		ue_ring_post(&ring, "z", 0);
	is_str(event(0, 1), "(flush)", "ring: an event overwritten: flush, never another's path");
	is_str(event(UE_RING_SLOTS + 4, 0), "z", "ring: the newest is read");

	uint64_t h = ue_ring_head(&ue_shm->ring);
	ue_changed("x/y", 0);
	is_int(ue_ring_head(&ue_shm->ring), h + 1, "changed: posts to this process's segment");
	size_t len;
	char rel[UE_RING_PATH];
	is_int(ue_ring_event(&ue_shm->ring, h, rel, &len), 1, "changed: the event is there");
	ok(len == 3 && !memcmp(rel, "x/y", 3), "changed: its path");
}
