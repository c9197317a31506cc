#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#define MIN_CAP 64

/* Eight bytes a step: the keys are paths of some dozens of bytes. */
uint64_t ue_strmap_hash(const char *key, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, key + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, key + i, len - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 32);
}

static int same_key(const struct ue_strmap *m, const struct ue_strmap_slot *s, const char *key, size_t len, uint64_t h)
{
	if (s->hash != h)
		return 0;
	/* strncmp, not memcmp: a shorter key in the entry ends at its NUL
	 * instead of being read past its end. */
	const char *k = (const char *)s->entry + m->key_off;
	return strncmp(k, key, len) == 0 && k[len] == '\0';
}

/* The slot holding key, or the free slot that ends its probe. */
static size_t find_slot(const struct ue_strmap *m, const char *key, size_t len, uint64_t h)
{
	size_t mask = m->cap - 1, i = h & mask;
	while (m->slot[i].entry && !same_key(m, &m->slot[i], key, len, h))
		i = (i + 1) & mask;
	return i;
}

void *ue_strmap_get(const struct ue_strmap *m, const char *key, size_t len, uint64_t h)
{
	if (m->cap == 0)
		return NULL;
	return m->slot[find_slot(m, key, len, h)].entry;
}

static int grow(struct ue_strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : MIN_CAP;
	struct ue_strmap_slot *slot = calloc(cap, sizeof *slot);
	if (!slot)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slot[i].entry)
			continue;
		size_t j = m->slot[i].hash & (cap - 1);
		while (slot[j].entry)
			j = (j + 1) & (cap - 1);
		slot[j] = m->slot[i];
	}
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
	return 0;
}

void *ue_strmap_put(struct ue_strmap *m, void *e, uint64_t h)
{
	/* At most half full, so that probes stay short and always end. */
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0 && m->n + 1 >= m->cap)
		return UE_STRMAP_NOMEM;
	const char *key = (const char *)e + m->key_off;
	size_t i = find_slot(m, key, strlen(key), h);
	void *old = m->slot[i].entry;
	m->slot[i].hash = h;
	m->slot[i].entry = e;
	if (!old)
		m->n++;
	return old;
}

/* Whether home lies cyclically in (hole, j]: an entry there must stay
 * where it is, its probe not passing through hole. */
static int home_between(size_t hole, size_t j, size_t home)
{
	return hole <= j ? hole < home && home <= j : hole < home || home <= j;
}

void *ue_strmap_del(struct ue_strmap *m, const char *key, size_t len, uint64_t h)
{
	if (m->cap == 0)
		return NULL;
	size_t mask = m->cap - 1, hole = find_slot(m, key, len, h);
	void *e = m->slot[hole].entry;
	if (!e)
		return NULL;
	/* Backward shift: no tombstones, so probes stay as short as at insert. */
	for (size_t j = (hole + 1) & mask; m->slot[j].entry; j = (j + 1) & mask) {
		if (home_between(hole, j, m->slot[j].hash & mask))
			continue;
		m->slot[hole] = m->slot[j];
		hole = j;
	}
	m->slot[hole].entry = NULL;
	m->n--;
	return e;
}

void ue_strmap_clear(struct ue_strmap *m, void (*fn)(void *e))
{
	for (size_t i = 0; i < m->cap && m->n; i++) {
		if (!m->slot[i].entry)
			continue;
		if (fn)
			fn(m->slot[i].entry);
		m->slot[i].entry = NULL;
		m->n--;
	}
	m->n = 0;
}

void ue_strmap_abandon(struct ue_strmap *m)
{
	m->slot = NULL;
	m->cap = 0;
	m->n = 0;
}
