#include "layerpath.h"
#include "config.h"

#include <errno.h>
#include <string.h>

int ue_real_path(char *buf, size_t size, int layer, const char *rel)
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

int ue_layer_of(const char *real)
{
	int best = -1;
	for (int i = 0; i < ue_cfg.nlayers; i++) {
		const struct ue_layer *l = &ue_cfg.layer[i];
		if (ue_path_under(real, l->root, l->len) && (best < 0 || l->len > ue_cfg.layer[best].len))
			best = i;
	}
	return best;
}
