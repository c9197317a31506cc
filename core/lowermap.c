#include "lowermap.h"
#include "layerpath.h"
#include "shm.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

/* The length of dir when path is dir or below it, else 0. */
static size_t below(const char *path, size_t pl, const char *dir, size_t dl)
{
	return dl && ue_rel_under(path, pl, dir, dl) ? dl : 0;
}

/* The entry whose from (or to) is the nearest ancestor of path, or -1. */
static int nearest(const struct ue_lowermap *m, const char *path, size_t pl, int by_to)
{
	int best = -1;
	size_t bl = 0;
	uint32_t n = m->n < UE_LOWERMAP_SLOTS ? m->n : UE_LOWERMAP_SLOTS;
	for (uint32_t i = 0; i < n; i++) {
		const struct ue_lowermap_ent *e = &m->ent[i];
		size_t l = by_to ? below(path, pl, e->to, e->to_len) : below(path, pl, e->from, e->from_len);
		if (l > bl) {
			bl = l;
			best = (int)i;
		}
	}
	return best;
}

/* a[..al) followed by rest into out: 0 or -ENAMETOOLONG. */
static int glue(char *out, size_t size, const char *a, size_t al, const char *rest)
{
	size_t rl = strlen(rest);
	if (al + rl + 1 > size)
		return -ENAMETOOLONG;
	memmove(out + al, rest, rl + 1);
	memcpy(out, a, al);
	return 0;
}

/* Where the lower directories at x are shown (x itself when no entry
 * covers it): 1 mapped, 0 not, -1 gone or too long. */
static int forward(const struct ue_lowermap *m, const char *x, char *out, size_t size)
{
	size_t xl = strlen(x);
	int i = nearest(m, x, xl, 0);
	if (i < 0)
		return 0;
	const struct ue_lowermap_ent *e = &m->ent[i];
	if (e->to_len == 0 || e->to_len >= UE_LOWERMAP_PATH || xl + 1 > size)
		return -1;
	memmove(out, x, xl + 1);
	return glue(out, size, e->to, e->to_len, out + e->from_len) < 0 ? -1 : 1;
}

/* The lower name of the union directory u when u shows lower directories
 * through an entry (a directory copied up whole, or one below it), into x. */
static int reverse(const struct ue_lowermap *m, const char *u, char *x, size_t size)
{
	char back[UE_LOWERMAP_PATH * 2];
	size_t ul = strlen(u);
	int i = nearest(m, u, ul, 1);
	if (i < 0 || ul + 1 > size)
		return 0;
	const struct ue_lowermap_ent *e = &m->ent[i];
	memmove(x, u, ul + 1);
	if (glue(x, size, e->from, e->from_len, x + e->to_len) < 0)
		return 0;
	/* A directory made later at a name below a copied-up one shows
	 * nothing of the lowers: the lower name then maps elsewhere. */
	return forward(m, x, back, sizeof back) == 1 && !strcmp(back, u);
}

static int add(struct ue_lowermap *m, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	if (m->n >= UE_LOWERMAP_SLOTS || fl >= UE_LOWERMAP_PATH || tl >= UE_LOWERMAP_PATH || !fl || !tl)
		return -1;
	struct ue_lowermap_ent *e = &m->ent[m->n];
	memcpy(e->from, from, fl);
	memcpy(e->to, to, tl);
	e->from_len = (uint32_t)fl;
	e->to_len = (uint32_t)tl;
	m->n++;
	return 0;
}

/* An entry's name moves from old to new (prefix replaced). */
static int move(struct ue_lowermap_ent *e, const char *old, size_t ol, const char *new, size_t nl)
{
	char buf[UE_LOWERMAP_PATH];
	memcpy(buf, e->to, e->to_len);
	buf[e->to_len] = '\0';
	if (glue(buf, sizeof buf, new, nl, buf + ol) < 0)
		return -1;
	e->to_len = (uint32_t)strlen(buf);
	memcpy(e->to, buf, e->to_len);
	return 0;
}

/* The lower name that moves with the directory at u: u itself when it
 * merged lower directories of its own, or the one an entry gives it. */
static int moving(const struct ue_lowermap *m, const char *u, int own, char *x, size_t size)
{
	if (own) {
		if (strlen(u) + 1 > size)
			return 0;
		strcpy(x, u);
		return 1;
	}
	char tmp[UE_LOWERMAP_PATH * 2];
	if (!reverse(m, u, tmp, sizeof tmp) || strlen(tmp) + 1 > size)
		return 0;
	/* An entry whose to is u itself moves below; only a part of a
	 * copied-up directory needs an entry of its own. */
	int i = nearest(m, u, strlen(u), 1);
	if (i >= 0 && m->ent[i].to_len == strlen(u))
		return 0;
	strcpy(x, tmp);
	return 1;
}

static void change(struct ue_lowermap *m, const char *from, const char *to, int exchange, int from_lower,
                   int to_lower)
{
	char xf[UE_LOWERMAP_PATH], xt[UE_LOWERMAP_PATH];
	size_t fl = strlen(from), tl = strlen(to);
	int add_f = moving(m, from, from_lower, xf, sizeof xf);
	int add_t = exchange && moving(m, to, to_lower, xt, sizeof xt);
	uint32_t n = m->n;
	int bad = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct ue_lowermap_ent *e = &m->ent[i];
		if (!e->to_len)
			continue;
		if (below(e->to, e->to_len, from, fl))
			bad |= move(e, from, fl, to, tl);
		else if (below(e->to, e->to_len, to, tl)) {
			if (exchange)
				bad |= move(e, to, tl, from, fl);
			else
				e->to_len = 0;  /* replaced by the rename: gone */
		}
	}
	if (add_f)
		bad |= add(m, xf, to);
	if (add_t)
		bad |= add(m, xt, from);
	if (bad)
		m->broken = 1;
}

/* With the lock held: 1 when the map may be changed (its counter odd until
 * done), 0 when it says nothing any more. */
static int begin(struct ue_lowermap *m, int lock)
{
	if (lock == -1) {
		m->broken = 1;  /* cannot change it safely */
		return 0;
	}
	if (atomic_load_explicit(&m->seq, memory_order_acquire) & 1) {
		m->broken = 1;  /* its last writer died in the middle */
		atomic_fetch_add_explicit(&m->seq, 1, memory_order_release);
		return 0;
	}
	if (m->broken)
		return 0;
	atomic_fetch_add_explicit(&m->seq, 1, memory_order_acq_rel);
	return 1;
}

static void done(struct ue_lowermap *m)
{
	atomic_fetch_add_explicit(&m->seq, 1, memory_order_release);
}

void ue_lowermap_renamed(int lock, const char *from, const char *to, int exchange, int from_lower, int to_lower)
{
	struct ue_lowermap *m = &ue_shm->lowermap;
	if (begin(m, lock)) {
		change(m, from, to, exchange, from_lower, to_lower);
		done(m);
	}
}

void ue_lowermap_removed(const char *rel)
{
	struct ue_lowermap *m = &ue_shm->lowermap;
	size_t rl = strlen(rel);
	if (__builtin_expect(atomic_load_explicit(&m->seq, memory_order_relaxed) == 0, 1))
		return;  /* never changed: nothing shown anywhere */
	int lock = ue_shm_lock();
	if (begin(m, lock)) {
		for (uint32_t i = 0; i < m->n && i < UE_LOWERMAP_SLOTS; i++)
			if (below(m->ent[i].to, m->ent[i].to_len, rel, rl))
				m->ent[i].to_len = 0;
		done(m);
	}
	ue_shm_unlock(lock);
}

int ue_lowermap_find(char *rel, size_t size)
{
	const struct ue_lowermap *m = &ue_shm->lowermap;
	char out[UE_LOWERMAP_PATH * 2];
	if (__builtin_expect(atomic_load_explicit(&m->seq, memory_order_relaxed) == 0, 1))
		return 0;  /* never changed */
	/* A rename in progress, or a holder that died in the middle: a few
	 * tries, then the old name (as if there were no map). */
	for (int tries = 0; tries < 4; tries++) {
		uint32_t s1 = atomic_load_explicit(&m->seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		int r = m->broken ? 0 : forward(m, rel, out, sizeof out);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&m->seq, memory_order_relaxed) != s1)
			continue;
		if (r != 1 || strlen(out) + 1 > size)
			return 0;
		strcpy(rel, out);
		return 1;
	}
	return 0;
}
