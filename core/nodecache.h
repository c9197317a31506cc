/* The node cache: canonical relative path -> struct ue_node, one table
 * per process (core/strmap.h), positive and negative entries.
 *
 * Every process of one upper shares the change ring (core/ring.h): a
 * mutation posts the paths it changed, and every lookup first drops the
 * entries that other processes (or this one) changed since its last look.
 * A missed or torn event flushes the whole table, so the cache can only be
 * slow, never stale.  Guarded by UE_LOCK_NODECACHE (core/state.h). */
#ifndef UE_NODECACHE_H
#define UE_NODECACHE_H

#include <stddef.h>
#include "node.h"

/* Set by the preload while a wrapper runs inside another (a signal
 * handler): the cache is then not used, as it allocates and the code
 * interrupted may be inside malloc. */
extern __thread int ue_cache_bypass;

int ue_cache_find(const char *rel, struct ue_node *out);   /* 1 found, 0 not */
/* Take a mark before computing a node; put stores it only when no change
 * was announced since the mark, so a lookup racing a mutation is not kept. */
unsigned long ue_cache_mark(void);
void ue_cache_put(const char *rel, const struct ue_node *n, unsigned long mark);
/* Whether the processes of the union tell this one of their changes (the
 * ring is shared and whole): what any cache of names relies on. */
int ue_cache_on(void);

/* Attach to the shared segment of this upper (core/shm.h); where none can
 * be had (no /dev/shm), caching is off: correct, only slower. */
void ue_cache_init(void);
/* Empty, with a private segment: one process alone (the unit tests). */
void ue_cache_reset(void);
/* In a fork child whose parent thread could not take the cache's lock
 * (core/state.h): forget the table without touching it. */
void ue_cache_abandon(void);

struct ue_cache_stats { unsigned long hits, misses, flushes, entries; };
void ue_cache_stats(struct ue_cache_stats *s);

#endif
