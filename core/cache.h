/* The state subsystem (core/state.h) under the name its users knew before
 * it had one: the node cache, the change ring, the segment's lock.  New
 * code includes the header of the part it uses. */
#ifndef UE_CACHE_H
#define UE_CACHE_H

#include "nodecache.h"
#include "ring.h"
#include "shm.h"

#define UE_CACHE_ALONE UE_SHM_ALONE
static inline int ue_cache_lock(void) { return ue_shm_lock(); }
static inline void ue_cache_unlock(int lock) { ue_shm_unlock(lock); }

#endif
