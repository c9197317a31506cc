/* A map from strings to entries that hold their own key: open addressing,
 * linear probing, each slot keeping the key's 64-bit hash beside the
 * entry, so that a look walks one array and reads an entry only where
 * the hash matches.  The node cache's lookups did 3-5 dependent loads a
 * name in uthash's chains (72% of ue_cache_find's time in `git status`).
 *
 * The caller locks; the hash may be computed before taking the lock.
 * Entries are the caller's (malloc'd); the map frees none. */
#ifndef UE_STRMAP_H
#define UE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct ue_strmap_slot {
	uint64_t hash;
	void *entry;  /* NULL: free */
};

struct ue_strmap {
	struct ue_strmap_slot *slot;
	size_t cap;      /* a power of two, or 0 before the first put */
	size_t n;
	size_t key_off;  /* where in an entry its key (a C string) starts */
};

#define UE_STRMAP_INIT(type, member) { NULL, 0, 0, offsetof(type, member) }

uint64_t ue_strmap_hash(const char *key, size_t len);

/* The entry whose key is key (len bytes, hash h), or NULL. */
void *ue_strmap_get(const struct ue_strmap *m, const char *key, size_t len, uint64_t h);
/* Put e (its key hashing to h); the entry it replaces is returned (the
 * caller frees it), NULL if none.  -1 cast to a pointer: out of memory,
 * e not put. */
void *ue_strmap_put(struct ue_strmap *m, void *e, uint64_t h);
#define UE_STRMAP_NOMEM ((void *)-1)
/* Take out the entry of key (returned, for the caller to free) or NULL. */
void *ue_strmap_del(struct ue_strmap *m, const char *key, size_t len, uint64_t h);
/* Call fn on every entry (free, for example), then empty the map; its
 * slots stay allocated for what comes next. */
void ue_strmap_clear(struct ue_strmap *m, void (*fn)(void *e));
/* Forget every entry without reading the slots (a fork child whose
 * parent's thread held the lock: the slots may be half-written). */
void ue_strmap_abandon(struct ue_strmap *m);

#endif
