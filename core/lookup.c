#include "lookup.h"
#include "cache.h"
#include "config.h"
#include "path.h"
#include "sys.h"
#include "whiteout.h"

#include <limits.h>
#include <string.h>

int ue_real(char *buf, size_t size, int layer, const char *rel)
{
	const struct ue_layer *l = &ue_cfg.layer[layer];
	size_t rl = strlen(rel);
	if (l->len + 1 + rl + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf, l->root, l->len);
	if (rl == 0) {
		size_t n = l->len;
		if (n == 0)
			buf[n++] = '/';
		buf[n] = '\0';
		return 0;
	}
	buf[l->len] = '/';
	memcpy(buf + l->len + 1, rel, rl + 1);
	return 0;
}

void ue_rel_parent(char *buf, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	size_t n = slash ? (size_t)(slash - rel) : 0;
	memcpy(buf, rel, n);
	buf[n] = '\0';
}

static int root_compute(struct ue_node *out)
{
	char real[PATH_MAX];
	struct stat st;
	memset(out, 0, sizeof *out);
	out->layer = UE_UPPER;
	out->type = S_IFDIR;
	for (int i = 0; i < ue_cfg.nlayers; i++) {
		int r = ue_real(real, sizeof real, i, "");
		if (r == 0)
			r = sys_lstat(real, &st);
		if (r < 0 || !S_ISDIR(st.st_mode)) {
			if (i == UE_UPPER)
				return r < 0 ? r : -ENOTDIR;
			break;
		}
		out->stack |= 1ULL << i;
		if (i > UE_UPPER)
			out->in_lower = 1;
		if (ue_is_opaque(real))
			break;
	}
	return 0;
}

/* Whether a layer below `from` in the parent's stack shows the name:
 * removing the top entry then needs a whiteout. */
static int name_below(const char *rel, const struct ue_node *parent, int from)
{
	char real[PATH_MAX];
	struct stat st;
	for (int i = from + 1; i < ue_cfg.nlayers; i++) {
		if (!(parent->stack & (1ULL << i)))
			continue;
		if (ue_real(real, sizeof real, i, rel) < 0 || sys_lstat(real, &st) < 0)
			continue;
		return !ue_is_whiteout(&st);
	}
	return 0;
}

/* One step of the lookup: what the layers of the parent's stack hold at rel. */
static int child_compute(const char *rel, const struct ue_node *parent, struct ue_node *out)
{
	char real[PATH_MAX];
	struct stat st;
	memset(out, 0, sizeof *out);
	out->layer = -1;
	for (int i = 0; i < ue_cfg.nlayers; i++) {
		if (!(parent->stack & (1ULL << i)))
			continue;
		int r = ue_real(real, sizeof real, i, rel);
		if (r == 0)
			r = sys_lstat(real, &st);
		if (r == -ENOENT || r == -ENOTDIR)
			continue;
		if (r < 0)
			return r;
		int wh = ue_is_whiteout(&st);
		if (out->layer < 0) {
			if (wh) {
				out->upper_whiteout = (i == UE_UPPER);
				break;
			}
			out->layer = i;
			out->type = st.st_mode & S_IFMT;
			out->in_lower = (i > UE_UPPER);
			if (!S_ISDIR(st.st_mode))
				break;
			out->stack = 1ULL << i;
			if (ue_is_opaque(real))
				break;
			continue;
		}
		/* Below the top entry: only a directory keeps merging. */
		if (!wh)
			out->in_lower = 1;
		if (wh || !S_ISDIR(out->type) || !S_ISDIR(st.st_mode))
			break;
		out->stack |= 1ULL << i;
		if (ue_is_opaque(real))
			break;
	}
	if (out->layer == UE_UPPER && !out->in_lower)
		out->in_lower = name_below(rel, parent, UE_UPPER);
	if (out->layer == UE_UPPER && ue_cfg.one_dev && (S_ISREG(out->type) || S_ISDIR(out->type)) &&
	    ue_real(real, sizeof real, UE_UPPER, rel) == 0)
		out->origin_ino = ue_origin_ino(real);
	return 0;
}

int ue_node_child_fresh(const char *rel, const struct ue_node *parent, struct ue_node *out)
{
	unsigned long mark = ue_cache_mark();
	int r = child_compute(rel, parent, out);
	if (r == 0)
		ue_cache_put(rel, out, mark);
	return r;
}

int ue_node_child(const char *rel, const struct ue_node *parent, struct ue_node *out)
{
	if (ue_cache_find(rel, out))
		return 0;
	unsigned long mark = ue_cache_mark();
	int r = child_compute(rel, parent, out);
	if (r == 0)
		ue_cache_put(rel, out, mark);
	return r;
}

int ue_node_at(const char *rel, struct ue_node *out)
{
	if (ue_cache_find(rel, out))
		return 0;
	if (rel[0] == '\0') {
		unsigned long mark = ue_cache_mark();
		int r = root_compute(out);
		if (r == 0)
			ue_cache_put(rel, out, mark);
		return r;
	}
	char parent_rel[PATH_MAX];
	struct ue_node parent;
	ue_rel_parent(parent_rel, rel);
	int r = ue_node_at(parent_rel, &parent);
	if (r < 0)
		return r;
	if (!ue_node_exists(&parent))
		return -ENOENT;
	if (!S_ISDIR(parent.type))
		return -ENOTDIR;
	return ue_node_child(rel, &parent, out);
}
