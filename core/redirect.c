#include "redirect.h"
#include "config.h"
#include "layerpath.h"
#include "lookup.h"
#include "path.h"
#include "sys.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The interned records, pushed lock-free: a lookup may run in a signal
 * handler or a vfork child, where no lock can be taken safely. */
struct interned {
	struct interned *next;
	struct ue_redirect r;     /* last: its path follows */
};
static _Atomic(struct interned *) records;

static const struct ue_redirect *covering(const struct ue_redirect *r, int layer)
{
	while (r && r->from > layer)
		r = r->outer;
	return r;
}

int ue_redirect_rel(char *buf, size_t size, const struct ue_redirect *r, int layer, const char *rel)
{
	r = covering(r, layer);
	const char *head = r ? r->path : "", *tail = r ? rel + r->ulen : rel;
	if (!*head && *tail == '/')
		tail++;
	size_t hl = strlen(head), tl = strlen(tail);
	if (hl + tl + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf, head, hl);
	memcpy(buf + hl, tail, tl + 1);
	return 0;
}

int ue_redirect_real(char *buf, size_t size, const struct ue_redirect *r, int layer, const char *rel)
{
	char mapped[UE_PATH_MAX];
	int e = ue_redirect_rel(mapped, sizeof mapped, r, layer, rel);
	return e < 0 ? e : ue_real_path(buf, size, layer, mapped);
}

static const struct ue_redirect *intern(const struct ue_redirect *outer, int from, size_t ulen, const char *path, int *err)
{
	size_t pl = strlen(path);
	struct interned *head = atomic_load(&records);
	for (struct interned *i = head; i; i = i->next)
		if (i->r.outer == outer && i->r.from == from && i->r.ulen == ulen && !strcmp(i->r.path, path))
			return &i->r;
	struct interned *n = malloc(sizeof *n + pl + 1);
	if (!n) {
		*err = -ENOMEM;
		return NULL;
	}
	n->r.outer = outer;
	n->r.from = from;
	n->r.ulen = ulen;
	memcpy(n->r.path, path, pl + 1);
	/* A twin pushed meanwhile only costs memory: both map alike. */
	n->next = head;
	while (!atomic_compare_exchange_weak(&records, &n->next, n))
		;
	return &n->r;
}

int ue_redirect_dots_reached(const char *target, uint64_t below)
{
	char prefix[UE_PATH_MAX], real[UE_PATH_MAX];
	struct stat st;
	if (target[0] != '/')
		return below != 0;  /* looked up in the parent's directory of each layer */
	const char *s = target;
	while (*s == '/') {
		const char *e = strchrnul(s + 1, '/');
		if (ue_path_is_dots(s + 1, (size_t)(e - s - 1)))
			break;
		s = e;
	}
	size_t n = s > target ? (size_t)(s - target - 1) : 0;
	if (n >= sizeof prefix)
		return 1;
	memcpy(prefix, target + (n ? 1 : 0), n);
	prefix[n] = '\0';
	for (int j = 0; j < ue_cfg.nlayers; j++)
		if ((below & (1ULL << j)) && ue_real_path(real, sizeof real, j, prefix) == 0 && sys_lstat(real, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			return 1;
	return 0;
}

/* path with its last component replaced by name, into buf. */
static int rename_last(char *buf, size_t size, const char *path, const char *name)
{
	size_t dl = (size_t)(ue_path_base(path) - path), nl = strlen(name);
	if (dl + nl + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf, path, dl);
	memcpy(buf + dl, name, nl + 1);
	return 0;
}

const struct ue_redirect *ue_redirect_apply(const struct ue_redirect *r, int layer, const char *rel,
                                            const char *target, int *err)
{
	const struct ue_redirect *keep = covering(r, layer);
	size_t ulen = strlen(rel);
	char mapped[UE_PATH_MAX], renamed[UE_PATH_MAX];
	if ((*err = ue_path_redirect_check(target)) < 0)
		return NULL;
	if (target[0] == '/')
		return intern(keep, layer + 1, ulen, target + 1, err);
	/* One name: the parent's mapping stays, in each layer below its own
	 * way; only the last component changes.  So each record of the chain
	 * that maps layers below this one gets its renamed twin. */
	const struct ue_redirect *below[UE_MAX_LAYERS];
	int nb = 0;
	for (const struct ue_redirect *s = r; s != keep; s = s->outer)
		below[nb++] = s;
	const struct ue_redirect *cur = keep;
	int first = layer + 1;
	for (int k = nb; k >= 0; k--) {
		const struct ue_redirect *s = k == nb ? keep : below[k];
		int from = k == nb ? first : s->from;
		if (k == nb && nb > 0 && below[nb - 1]->from == first)
			continue;  /* the record below starts right here */
		if ((*err = ue_redirect_rel(mapped, sizeof mapped, s, from, rel)) < 0 ||
		    (*err = rename_last(renamed, sizeof renamed, mapped, target)) < 0)
			return NULL;
		if (!(cur = intern(cur, from, ulen, renamed, err)))
			return NULL;
	}
	return cur;
}

void ue_redirect_reset(void)
{
	struct interned *i = atomic_exchange(&records, NULL);
	while (i) {
		struct interned *n = i->next;
		free(i);
		i = n;
	}
}
