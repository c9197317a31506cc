#include "nodecache.h"
#include "lowermarks.h"
#include "ring.h"
#include "shm.h"
#include "state.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#define CACHE_MAX 65536                      /* entries before a flush */

struct entry {
	UT_hash_handle hh;
	struct ue_node node;
	char rel[];
};

__thread int ue_cache_bypass;

/* Under UE_LOCK_NODECACHE. */
/* Without a ring shared with the other processes, a cached answer could go
 * stale behind our back: then nothing is cached at all. */
static int caching = 1;
static uint64_t seen;                       /* ring events applied to the table */
static struct entry *table;
static unsigned long n_entries, n_hits, n_misses, n_flushes;

static void flush_locked(void)
{
	struct entry *e, *t;
	HASH_ITER(hh, table, e, t) {
		HASH_DEL(table, e);
		free(e);
	}
	n_entries = 0;
	n_flushes++;
}

static void drop_locked(const char *rel, size_t len)
{
	struct entry *e;
	HASH_FIND(hh, table, rel, len, e);
	if (e) {
		HASH_DEL(table, e);
		free(e);
		n_entries--;
	}
}

/* Apply the events posted since the last look.  A damaged segment (its
 * mark overwritten) flushes the table and ends caching in this process:
 * its counters can no longer tell what changed. */
static void sync_locked(void)
{
	const struct ue_ring *ring = &ue_shm->ring;
	/* Checked at every look: a process that finds the segment damaged
	 * makes a new one, and posts there from then on. */
	if (!ue_shm_intact()) {
		flush_locked();
		caching = 0;
		return;
	}
	uint64_t head = ue_ring_head(ring);
	if (head == seen)
		return;
	/* Counted, not compared: the counter may wrap (or be set anywhere
	 * by a damage); a head that went back is as far as a lost one. */
	if (head - seen > UE_RING_SLOTS) {
		flush_locked();
		seen = head;
		return;
	}
	for (; seen != head; seen++) {
		char rel[UE_RING_PATH];
		size_t len;
		if (!ue_ring_event(ring, seen, rel, &len)) {
			flush_locked();
			seen = head;
			return;
		}
		drop_locked(rel, len);
	}
}

int ue_cache_find(const char *rel, struct ue_node *out)
{
	if (ue_cache_bypass || !caching)
		return 0;
	struct entry *e;
	if (ue_lock(UE_LOCK_NODECACHE) < 0)
		return 0;  /* a signal handler interrupted this thread's holder */
	sync_locked();
	e = NULL;
	if (caching)
		HASH_FIND(hh, table, rel, strlen(rel), e);
	if (e) {
		*out = e->node;
		n_hits++;
	} else {
		n_misses++;
	}
	ue_unlock(UE_LOCK_NODECACHE);
	return e != NULL;
}

int ue_cache_on(void)
{
	return __atomic_load_n(&caching, __ATOMIC_RELAXED) && ue_shm_intact();
}

unsigned long ue_cache_mark(void)
{
	return (unsigned long)ue_ring_head(&ue_shm->ring);
}

void ue_cache_put(const char *rel, const struct ue_node *n, unsigned long mark)
{
	if (ue_cache_bypass || !caching)
		return;
	size_t len = strlen(rel);
	struct entry *e = malloc(sizeof *e + len + 1), *old;
	if (!e)
		return;
	e->node = *n;
	memcpy(e->rel, rel, len + 1);
	if (ue_lock(UE_LOCK_NODECACHE) < 0) {
		free(e);
		return;
	}
	if (ue_ring_head(&ue_shm->ring) != mark) {
		ue_unlock(UE_LOCK_NODECACHE);
		free(e);
		return;
	}
	sync_locked();
	if (!caching) {
		ue_unlock(UE_LOCK_NODECACHE);
		free(e);
		return;
	}
	if (n_entries >= CACHE_MAX)
		flush_locked();
	HASH_FIND(hh, table, rel, len, old);
	if (old) {
		HASH_DEL(table, old);
		free(old);
		n_entries--;
	}
	HASH_ADD(hh, table, rel, len, e);
	n_entries++;
	ue_unlock(UE_LOCK_NODECACHE);
}

void ue_cache_init(void)
{
	if (ue_lock(UE_LOCK_NODECACHE) < 0)
		return;
	flush_locked();
	caching = ue_shm_attach();
	seen = ue_ring_head(&ue_shm->ring);
	n_hits = n_misses = n_flushes = 0;
	ue_unlock(UE_LOCK_NODECACHE);
}

void ue_cache_reset(void)
{
	if (ue_lock(UE_LOCK_NODECACHE) < 0)
		return;
	flush_locked();
	ue_lower_marks_flush_locked();
	ue_shm_reset();
	caching = 1;  /* one process alone (the unit tests): the private ring is whole */
	seen = 0;
	n_hits = n_misses = n_flushes = 0;
	ue_unlock(UE_LOCK_NODECACHE);
}

void ue_cache_abandon(void)
{
	table = NULL;  /* may be half-changed: neither walked nor freed */
	n_entries = 0;
	n_flushes++;
	ue_lower_marks_abandon();
}

void ue_cache_stats(struct ue_cache_stats *s)
{
	if (ue_lock(UE_LOCK_NODECACHE) < 0) {
		memset(s, 0, sizeof *s);
		return;
	}
	s->hits = n_hits;
	s->misses = n_misses;
	s->flushes = n_flushes;
	s->entries = n_entries;
	ue_unlock(UE_LOCK_NODECACHE);
}
