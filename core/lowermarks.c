#include "lowermarks.h"
#include "markers.h"
#include "nodecache.h"
#include "state.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

/* A tree bigger than this is read again past it: the table stays within
 * a few MiB (the bound on a process's cache is 16). */
#define MARKS_MAX 32768

struct entry {
	UT_hash_handle hh;
	int marks;
	char real[];
};

/* Under UE_LOCK_NODECACHE. */
static struct entry *table;
static unsigned long n_entries;

void ue_lower_marks_flush_locked(void)
{
	struct entry *e, *t;
	HASH_ITER(hh, table, e, t) {
		HASH_DEL(table, e);
		free(e);
	}
	n_entries = 0;
}

void ue_lower_marks_abandon(void)
{
	table = NULL;  /* may be half-changed: neither walked nor freed */
	n_entries = 0;
}

int ue_lower_dir_markers(const char *real_dir, int aufs)
{
	size_t len = strlen(real_dir);
	struct entry *e;
	if (ue_cache_bypass || ue_lock(UE_LOCK_NODECACHE) < 0)
		return ue_dir_markers(real_dir, aufs);
	HASH_FIND(hh, table, real_dir, len, e);
	int found = e != NULL, m = e ? e->marks : 0;
	ue_unlock(UE_LOCK_NODECACHE);
	if (found)
		return m;
	/* Read outside the lock: a racing thread reading the same directory
	 * finds the same answer, and the second insert is skipped. */
	m = ue_dir_markers(real_dir, aufs);
	if (!(e = malloc(sizeof *e + len + 1)))
		return m;
	e->marks = m;
	memcpy(e->real, real_dir, len + 1);
	if (ue_lock(UE_LOCK_NODECACHE) < 0) {
		free(e);
		return m;
	}
	struct entry *old;
	HASH_FIND(hh, table, real_dir, len, old);
	if (old) {
		free(e);
	} else {
		if (n_entries >= MARKS_MAX)
			ue_lower_marks_flush_locked();
		HASH_ADD(hh, table, real, len, e);
		n_entries++;
	}
	ue_unlock(UE_LOCK_NODECACHE);
	return m;
}
