/* Layer configuration: parsed once per process from the environment the
 * launcher set (UNIONENV_LOWER, UNIONENV_UPPER, UNIONENV_MOUNT, and
 * UNIONENV_UPPER_FORMAT, the form its probe found for the upper, and
 * UNIONENV_WORK, the work directory that holds the index). */
#include "config.h"
#include "form.h"
#include "layerpath.h"
#include "sys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ue_config ue_cfg;

static int layer_set(struct ue_layer *l, const char *s, size_t n)
{
	/* The launcher canonicalises; a relative or empty path here means the
	 * environment was made by hand and is wrong. */
	if (n == 0 || s[0] != '/')
		return -EINVAL;
	while (n > 1 && s[n - 1] == '/')
		n--;
	l->root = strndup(s, n);
	if (!l->root)
		return -ENOMEM;
	l->len = (n == 1) ? 0 : n;  /* "/" joins as "" + "/rel" */
	return 0;
}

int ue_config_load(const char *lowers, const char *upper, const char *mount)
{
	ue_config_reset();
	if (!lowers || !upper || !*lowers)
		return -EINVAL;
	int r = layer_set(&ue_cfg.layer[UE_UPPER], upper, strlen(upper));
	ue_cfg.nlayers = 1;
	for (const char *s = lowers; r == 0;) {
		const char *colon = strchr(s, ':');
		size_t n = colon ? (size_t)(colon - s) : strlen(s);
		if (ue_cfg.nlayers == UE_MAX_LAYERS) {
			r = -E2BIG;
			break;
		}
		r = layer_set(&ue_cfg.layer[ue_cfg.nlayers++], s, n);
		if (!colon)
			break;
		s = colon + 1;
	}
	if (r == 0) {
		struct ue_layer m;
		const char *ms = (mount && *mount) ? mount : ue_cfg.layer[1].root;
		r = layer_set(&m, ms, strlen(ms));
		ue_cfg.mount = m.root;
		ue_cfg.mount_len = m.len;
	}
	if (r < 0) {
		ue_config_reset();
		return r;
	}
	const char *work = getenv("UNIONENV_WORK");
	if (work && *work) {
		struct ue_layer w;
		if (layer_set(&w, work, strlen(work)) < 0 || !w.len || asprintf(&ue_cfg.index, "%s/index", w.root) < 0) {
			ue_config_reset();
			return -EINVAL;
		}
		ue_cfg.work = w.root;
	}
	ue_config_probe();
	/* Without the launcher's word the first form is tried, and each
	 * process moves on at the first marker the filesystem refuses. */
	int form = ue_form_parse(getenv("UNIONENV_UPPER_FORMAT"));
	ue_cfg.upper_form = form < 0 ? UE_FORM_DEVICE : form;
	ue_cfg.upper_form_given = form >= 0;
	return 0;
}

/* Inode numbers of one layer mean something in another only when every
 * layer is on one filesystem. */
void ue_config_probe(void)
{
	struct stat st;
	dev_t dev = 0;
	ue_cfg.one_dev = 1;
	for (int i = 0; i < ue_cfg.nlayers; i++) {
		struct ue_layer *l = &ue_cfg.layer[i];
		int r = sys_lstat(l->len ? l->root : "/", &st);
		if (r < 0 || (i && st.st_dev != dev))
			ue_cfg.one_dev = 0;
		if (i == 0)
			dev = st.st_dev;
		l->probed_dir = r == 0 && S_ISDIR(st.st_mode);
		l->dev = r == 0 ? st.st_dev : 0;
		l->ino = r == 0 ? st.st_ino : 0;
	}
}

int ue_config_passthrough(const char *list)
{
	for (const char *s = list, *next; s; s = next) {
		const char *colon = strchr(s, ':');
		size_t n = colon ? (size_t)(colon - s) : strlen(s);
		next = colon ? colon + 1 : NULL;
		if (n == 0 || s[0] != '/')
			return -EINVAL;
		while (n > 0 && s[0] == '/')
			s++, n--;
		while (n > 0 && s[n - 1] == '/')
			n--;
		if (n == 0)
			return -EINVAL;  /* the whole union: not a union at all */
		if (ue_cfg.npassthrough == UE_MAX_PASSTHROUGH)
			return -E2BIG;
		char *rel = strndup(s, n);
		if (!rel)
			return -ENOMEM;
		ue_cfg.passthrough[ue_cfg.npassthrough++] = rel;
	}
	return 0;
}

int ue_config_passes(const char *rel)
{
	for (int i = 0; i < ue_cfg.npassthrough; i++) {
		const char *p = ue_cfg.passthrough[i];
		if (ue_rel_under(rel, strlen(rel), p, strlen(p)))
			return 1;
	}
	return 0;
}

void ue_config_reset(void)
{
	for (int i = 0; i < ue_cfg.npassthrough; i++)
		free(ue_cfg.passthrough[i]);
	for (int i = 0; i < ue_cfg.nlayers; i++)
		free(ue_cfg.layer[i].root);
	free(ue_cfg.mount);
	free(ue_cfg.work);
	free(ue_cfg.index);
	memset(&ue_cfg, 0, sizeof ue_cfg);
}
