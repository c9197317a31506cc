/* A set of names with one byte each, open addressing (import.h). */
#include "import.h"
#include "progress.h"
#include "tar.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- a set of names ---------------------------------------------------- */

static size_t nhash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

unsigned char *nset_get(struct nset *s, const char *key, int add)
{
	if (add && (s->n + 1) * 2 > s->cap) {
		struct nset old = *s;
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->k = xcalloc(s->cap, sizeof *s->k);
		s->v = xcalloc(s->cap, 1);
		s->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.k[i]) {
				size_t h = nhash(old.k[i]) & (s->cap - 1);
				while (s->k[h])
					h = (h + 1) & (s->cap - 1);
				s->k[h] = old.k[i];
				s->v[h] = old.v[i];
				s->n++;
			}
		free(old.k);
		free(old.v);
	}
	if (!s->cap)
		return NULL;
	size_t h = nhash(key) & (s->cap - 1);
	for (; s->k[h]; h = (h + 1) & (s->cap - 1))
		if (!strcmp(s->k[h], key))
			return &s->v[h];
	if (!add)
		return NULL;
	s->k[h] = xstrdup(key);
	s->n++;
	return &s->v[h];
}

void nset_free(struct nset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->k[i]);
	free(s->k);
	free(s->v);
	memset(s, 0, sizeof *s);
}
