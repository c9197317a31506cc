#include "lowermarks.h"
#include "lowerdirs.h"
#include "markers.h"
#include "nodecache.h"
#include "state.h"
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

/* A tree bigger than this is read again past it: the table stays within
 * a few MiB (the bound on a process's cache is 16). */
#define MARKS_MAX 32768

struct entry {
	int marks;
	char real[];
};

/* Under UE_LOCK_NODECACHE. */
static struct ue_strmap table = UE_STRMAP_INIT(struct entry, real);

void ue_lower_marks_flush_locked(void)
{
	ue_strmap_clear(&table, free);
}

void ue_lower_marks_abandon(void)
{
	ue_strmap_abandon(&table);  /* may be half-changed: neither walked nor freed */
}

int ue_lower_dir_markers(const char *real_dir, int layer, int aufs)
{
	size_t len = strlen(real_dir);
	uint64_t h = ue_strmap_hash(real_dir, len);
	struct entry *e;
	if (ue_cache_bypass || ue_lock(UE_LOCK_NODECACHE) < 0)
		return ue_dir_markers(real_dir, aufs);
	e = ue_strmap_get(&table, real_dir, len, h);
	int found = e != NULL, m = e ? e->marks : 0;
	ue_unlock(UE_LOCK_NODECACHE);
	if (found)
		return m;
	/* Read outside the lock: a racing thread reading the same directory
	 * finds the same answer, and the second insert is skipped. */
	struct ue_kname k;
	ue_lowerdir_name(real_dir, layer, &k);
	m = ue_dir_markers_at(k.fd, k.name, real_dir, aufs);
	ue_lowerdir_done(&k);
	if (!(e = malloc(sizeof *e + len + 1)))
		return m;
	e->marks = m;
	memcpy(e->real, real_dir, len + 1);
	if (ue_lock(UE_LOCK_NODECACHE) < 0) {
		free(e);
		return m;
	}
	if (ue_strmap_get(&table, real_dir, len, h)) {
		ue_unlock(UE_LOCK_NODECACHE);
		free(e);
		return m;
	}
	if (table.n >= MARKS_MAX)
		ue_lower_marks_flush_locked();
	int put = ue_strmap_put(&table, e, h) != UE_STRMAP_NOMEM;
	ue_unlock(UE_LOCK_NODECACHE);
	if (!put)
		free(e);
	return m;
}
