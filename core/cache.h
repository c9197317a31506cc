/* The lookup cache: canonical relative path -> struct ue_node.
 *
 * Every process keeps its own uthash table, and all processes of one upper
 * share a ring of change events (a small file in /dev/shm): a mutation posts
 * the paths it changed, and every lookup first drops the entries that other
 * processes (or this one) changed since its last look.  A missed or torn
 * event flushes the whole table, so the cache can only be slow, never stale. */
#ifndef UE_CACHE_H
#define UE_CACHE_H

#include <stddef.h>
#include "node.h"

/* Bypass depth: set by the preload while a wrapper runs inside another (a
 * signal handler); the cache is then neither read nor locked. */
extern __thread int ue_cache_bypass;

int ue_cache_find(const char *rel, struct ue_node *out);   /* 1 found, 0 not */
/* Take a mark before computing a node; put stores it only when no change
 * was announced since the mark, so a lookup racing a mutation is not kept. */
unsigned long ue_cache_mark(void);
void ue_cache_put(const char *rel, const struct ue_node *n, unsigned long mark);

/* Announce a change at rel; subtree: everything below may have changed. */
void ue_changed(const char *rel, int subtree);

/* The log of directory renames and the map of lower directories renamed,
 * in the same shared memory (core/renames.h, core/lowermap.h). */
struct ue_rename_log *ue_cache_renames(void);
struct ue_lowermap *ue_cache_lowermap(void);
/* Exclusive among the processes of the union, for changes that cannot be
 * made lock-free: a lock (>= 0) for ue_cache_unlock, UE_CACHE_ALONE when
 * no other process shares the memory, -1 when it cannot be had. */
#define UE_CACHE_ALONE (-2)
int ue_cache_lock(void);
void ue_cache_unlock(int lock);

/* Attach to the shared ring of this upper; where none can be had (no
 * /dev/shm), caching is off: correct, only slower. */
void ue_cache_init(void);
void ue_cache_reset(void);
/* In a fork child whose parent thread could not take the cache's lock
 * (core/state.h): forget the table without touching it. */
void ue_cache_abandon(void);

struct ue_cache_stats { unsigned long hits, misses, flushes, entries; };
void ue_cache_stats(struct ue_cache_stats *s);

#endif
