#include "renames.h"
#include "layerpath.h"
#include "shm.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

/* Lock-free: also safe from a signal handler and in a vfork child. */
void ue_renamed(const char *from, const char *to, int exchange)
{
	struct ue_rename_log *log = &ue_shm->renames;
	size_t fl = strlen(from), tl = strlen(to);
	uint64_t n = atomic_fetch_add_explicit(&log->head, 1, memory_order_acq_rel);
	struct ue_rename_rec *r = &log->rec[n % UE_RENAME_SLOTS];
	atomic_store_explicit(&r->seq, 0, memory_order_release);
	r->exchange = exchange != 0;
	r->from_len = (uint32_t)(fl < UE_RENAME_PATH ? fl : UE_RENAME_PATH);
	r->to_len = (uint32_t)(tl < UE_RENAME_PATH ? tl : UE_RENAME_PATH);
	if (fl < UE_RENAME_PATH && tl < UE_RENAME_PATH) {
		memcpy(r->from, from, fl);
		memcpy(r->to, to, tl);
	}
	atomic_store_explicit(&r->seq, n + 1, memory_order_release);
}

uint64_t ue_renames_head(void)
{
	return atomic_load_explicit(&ue_shm->renames.head, memory_order_acquire);
}

/* rel is dir or below it: the length of dir, else 0. */
static size_t below(const char *rel, size_t rl, const char *dir, size_t dl)
{
	return ue_rel_under(rel, rl, dir, dl) ? dl : 0;
}

/* rel with its first n bytes replaced by to. */
static int replace_prefix(char *rel, size_t size, size_t n, const char *to, size_t tl)
{
	size_t rest = strlen(rel + n);
	if (tl + rest + 1 > size)
		return -ENAMETOOLONG;
	memmove(rel + tl, rel + n, rest + 1);
	memcpy(rel, to, tl);
	return 0;
}

int ue_renames_apply(char *rel, size_t size, uint64_t *next, uint64_t until, int *lost)
{
	struct ue_rename_log *log = &ue_shm->renames;
	char from[UE_RENAME_PATH], to[UE_RENAME_PATH];
	int moved = 0, r;
	if (until < *next) {
		*lost = 1;  /* the log was replaced: its numbers start again */
		*next = until;
		return 0;
	}
	if (until - *next > UE_RENAME_SLOTS) {
		*lost = 1;
		*next = until - UE_RENAME_SLOTS;
	}
	for (; *next < until; ++*next) {
		const struct ue_rename_rec *rec = &log->rec[*next % UE_RENAME_SLOTS];
		uint64_t seq = atomic_load_explicit(&rec->seq, memory_order_acquire);
		if (seq == 0 || seq < *next + 1)
			break;  /* still being written */
		uint32_t fl = rec->from_len, tl = rec->to_len, exchange = rec->exchange;
		if (seq != *next + 1 || fl >= UE_RENAME_PATH || tl >= UE_RENAME_PATH) {
			*lost = 1;
			continue;
		}
		memcpy(from, rec->from, fl);
		memcpy(to, rec->to, tl);
		if (atomic_load_explicit(&rec->seq, memory_order_acquire) != seq) {
			*lost = 1;
			continue;
		}
		size_t rl = strlen(rel), n;
		if ((n = below(rel, rl, from, fl)))
			r = replace_prefix(rel, size, n, to, tl);
		else if (exchange && (n = below(rel, rl, to, tl)))
			r = replace_prefix(rel, size, n, from, fl);
		else
			continue;
		if (r < 0)
			return r;
		moved = 1;
	}
	return moved;
}
