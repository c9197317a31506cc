#include "nodecache.h"
#include "apart.h"
#include "lowermarks.h"
#include "ring.h"
#include "shm.h"
#include "state.h"
#include "strmap.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CACHE_MAX 65536                      /* entries before a flush */

struct entry {
	struct ue_node node;
	char rel[];
};

__thread int ue_cache_bypass;

/* A file's node (anything but a directory, or a name that is missing) is
 * mostly wanted once more at once, by the same thread's next call (tar's
 * lstat then open, ls -l's lstat then its xattrs, rm's fstatat then
 * unlinkat), or never again (git status, find and du look at each name
 * once).  So it is kept first in a slot of the thread: no allocation, no
 * lock, and no page of the table touched, each of which cost git status's
 * threads (cross-CPU TLB flushes of the faults, waits for the lock).  A
 * name looked up again later (a recent one: RECENT) goes to the table.
 * The slot holds as a table entry does: until a change is posted at its
 * name, or more changes than it reads through. */
#define LEAF_REL_MAX 240
#define RECENT 16
#define LEAF_EVENTS 8      /* changes since the slot's lookup read through; more: it goes */
struct held {
	unsigned long mark;    /* the ring's head it was computed at */
	unsigned gen;          /* leaf_gen then */
	unsigned len;          /* strlen(rel); 0: empty */
	struct ue_node node;
	char rel[LEAF_REL_MAX];
};
/* The directories the thread found last, beside its file: a walk asks for
 * each directory of a name again ("git" and "git/d012" at every lstat of
 * git status's 8 threads), and each look in the table took its lock,
 * which the threads then waited for (21 waits a run, each a sleep and a
 * wake-up).  Held, and ended, as the file's slot is. */
#define DIRS 8
struct leaf {
	struct held file;
	struct held dirs[DIRS];   /* by hash */
	uint64_t recent[RECENT];  /* hashes of the last files kept in the slot */
	unsigned recent_next;
};
/* Allocated at the thread's first file, freed at its exit: the library's
 * static TLS must stay small enough to load after start-up (an audit
 * copy, a dlopen), where glibc has only a little to spare. */
static __thread struct leaf *last_leaf;
static pthread_key_t leaf_key;
static pthread_once_t leaf_key_once = PTHREAD_ONCE_INIT;
static int leaf_key_ok;

static void leaf_key_init(void)
{
	leaf_key_ok = pthread_key_create(&leaf_key, free) == 0;
}

static struct leaf *leaf_of_thread(void)
{
	if (last_leaf)
		return last_leaf;
	pthread_once(&leaf_key_once, leaf_key_init);
	struct leaf *l;
	if (!leaf_key_ok || !(l = calloc(1, sizeof *l)))
		return NULL;
	if (pthread_setspecific(leaf_key, l) != 0) {
		free(l);
		return NULL;
	}
	return last_leaf = l;
}
/* Raised at every flush, init and reset: every thread's slot is stale. */
static _Atomic unsigned leaf_gen = 1;
static _Atomic unsigned long n_leaf_hits;

/* Under UE_LOCK_NODECACHE. */
/* Without a ring shared with the other processes, a cached answer could go
 * stale behind our back: then nothing is cached at all. */
static int caching = 1;
static uint64_t seen;                       /* ring events applied to the table */
static struct ue_strmap table = UE_STRMAP_INIT(struct entry, rel);
static unsigned long n_hits, n_misses, n_flushes;

/* The hashes the table may hold, a bit each (by their low bits): set at a
 * put, cleared only by a flush.  A name whose bit is clear is not in the
 * table, and its look takes no lock: a miss needs none, as a node
 * computed afresh is always right.  A look that races a put and misses
 * only computes again.  (git status: each lstat missed in the table, its
 * threads waiting for one another's lock.) */
#define MAYBE_BITS 65536u
#define WORD_BITS (8 * sizeof(unsigned long))
static _Atomic unsigned long maybe[MAYBE_BITS / WORD_BITS] UE_APART;
static _Atomic int maybe_set;  /* a bit was set since the last clearing: a
                                 * start's flush touches none of its pages */

static int maybe_held(uint64_t h)
{
	unsigned b = (unsigned)(h % MAYBE_BITS);
	return (atomic_load_explicit(&maybe[b / WORD_BITS], memory_order_relaxed) >> (b % WORD_BITS)) & 1;
}

static void maybe_add(uint64_t h)
{
	unsigned b = (unsigned)(h % MAYBE_BITS);
	atomic_store_explicit(&maybe_set, 1, memory_order_relaxed);
	atomic_fetch_or_explicit(&maybe[b / WORD_BITS], 1UL << (b % WORD_BITS), memory_order_relaxed);
}

static void flush_locked(void)
{
	atomic_fetch_add(&leaf_gen, 1);
	ue_strmap_clear(&table, free);
	if (atomic_exchange_explicit(&maybe_set, 0, memory_order_relaxed))
		for (size_t i = 0; i < sizeof maybe / sizeof *maybe; i++)
			atomic_store_explicit(&maybe[i], 0, memory_order_relaxed);
	n_flushes++;
}

static void drop_locked(const char *rel, size_t len)
{
	free(ue_strmap_del(&table, rel, len, ue_strmap_hash(rel, len)));
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

/* Whether h, kept for rel, still holds: no flush since, and none of the
 * changes posted since (by other processes of a parallel build) at its
 * name, as the table's entries hold.  Its mark then moves up. */
static int held_holds(struct held *h, const char *rel, size_t len)
{
	if (h->len != len || h->gen != atomic_load_explicit(&leaf_gen, memory_order_acquire) ||
	    memcmp(h->rel, rel, len) != 0 || !ue_shm_intact())
		return 0;
	const struct ue_ring *ring = &ue_shm->ring;
	uint64_t head = ue_ring_head(ring);
	if (head - h->mark > LEAF_EVENTS)
		return 0;
	for (uint64_t k = h->mark; k != head; k++) {
		char ev[UE_RING_PATH];
		size_t n;
		if (!ue_ring_event(ring, k, ev, &n) || (n == len && memcmp(ev, rel, len) == 0))
			return 0;
	}
	h->mark = head;
	return 1;
}

static void held_keep(struct held *h, const char *rel, size_t len, const struct ue_node *n, unsigned long mark)
{
	h->len = 0;  /* never half-written and matching */
	h->mark = mark;
	h->gen = atomic_load_explicit(&leaf_gen, memory_order_acquire);
	h->node = *n;
	memcpy(h->rel, rel, len);
	h->len = (unsigned)len;
}

static int leaf_hit(const char *rel, size_t len, uint64_t hash, struct ue_node *out)
{
	struct leaf *l = last_leaf;
	if (!l)
		return 0;
	struct held *h = &l->file;
	if (!held_holds(h, rel, len)) {
		h = &l->dirs[hash % DIRS];
		if (!held_holds(h, rel, len))
			return 0;
	}
	*out = h->node;
	atomic_fetch_add_explicit(&n_leaf_hits, 1, memory_order_relaxed);
	return 1;
}

/* A directory's node, found in the table or just put there, into the
 * thread's slots: valid as of mark, the ring's head it was read at. */
static void dir_keep(const char *rel, size_t len, uint64_t hash, const struct ue_node *n, unsigned long mark)
{
	struct leaf *l;
	if (S_ISDIR(n->type) && len < LEAF_REL_MAX && (l = leaf_of_thread()))
		held_keep(&l->dirs[hash % DIRS], rel, len, n, mark);
}

/* A file's node into the thread's slot, unless looked up recently
 * already: 1 kept there, 0 for the table. */
static int leaf_keep(const char *rel, size_t len, uint64_t h, const struct ue_node *n, unsigned long mark)
{
	struct leaf *l;
	if (S_ISDIR(n->type) || len >= LEAF_REL_MAX || !(l = leaf_of_thread()))
		return 0;
	/* Computed across a change, wherever: kept nowhere, as the table
	 * keeps no such result (the compute may have read both sides). */
	if ((unsigned long)ue_ring_head(&ue_shm->ring) != mark)
		return 1;
	for (unsigned i = 0; i < RECENT; i++)
		if (l->recent[i] == h)
			return 0;
	l->recent[l->recent_next++ % RECENT] = h;
	held_keep(&l->file, rel, len, n, mark);
	return 1;
}

int ue_cache_find(const char *rel, struct ue_node *out)
{
	if (ue_cache_bypass || !caching)
		return 0;
	struct entry *e = NULL;
	size_t len = strlen(rel);
	uint64_t h = ue_strmap_hash(rel, len);  /* outside the lock: threads share it */
	if (leaf_hit(rel, len, h, out))
		return 1;
	if (!maybe_held(h))
		return 0;
	if (ue_lock(UE_LOCK_NODECACHE) < 0)
		return 0;  /* a signal handler interrupted this thread's holder */
	sync_locked();
	if (caching)
		e = ue_strmap_get(&table, rel, len, h);
	unsigned long mark = (unsigned long)seen;
	if (e) {
		*out = e->node;
		n_hits++;
	} else {
		n_misses++;
	}
	ue_unlock(UE_LOCK_NODECACHE);
	if (e)
		dir_keep(rel, len, h, out, mark);
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
	uint64_t h = ue_strmap_hash(rel, len);
	if (leaf_keep(rel, len, h, n, mark))
		return;
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
	if (table.n >= CACHE_MAX)
		flush_locked();
	old = ue_strmap_put(&table, e, h);
	if (old != UE_STRMAP_NOMEM)
		maybe_add(h);
	ue_unlock(UE_LOCK_NODECACHE);
	free(old == UE_STRMAP_NOMEM ? e : old);
	dir_keep(rel, len, h, n, mark);
}

void ue_cache_init(void)
{
	if (ue_lock(UE_LOCK_NODECACHE) < 0)
		return;
	flush_locked();
	caching = ue_shm_attach();
	seen = ue_ring_head(&ue_shm->ring);
	n_hits = n_misses = n_flushes = 0;
	atomic_store(&n_leaf_hits, 0);
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
	atomic_store(&n_leaf_hits, 0);
	ue_unlock(UE_LOCK_NODECACHE);
}

void ue_cache_abandon(void)
{
	atomic_fetch_add(&leaf_gen, 1);
	ue_strmap_abandon(&table);  /* may be half-changed: neither walked nor freed */
	n_flushes++;
	ue_lower_marks_abandon();
}

void ue_cache_stats(struct ue_cache_stats *s)
{
	if (ue_lock(UE_LOCK_NODECACHE) < 0) {
		memset(s, 0, sizeof *s);
		return;
	}
	s->hits = n_hits + atomic_load_explicit(&n_leaf_hits, memory_order_relaxed);
	s->misses = n_misses;
	s->flushes = n_flushes;
	s->entries = table.n;
	ue_unlock(UE_LOCK_NODECACHE);
}
