#include "layerpath.h"
#include "config.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

void test_layerpath(void)
{
	static const struct { const char *path, *root, *rest; } under[] = {
		{ "/m", "/m", "" }, { "/m/x/y", "/m", "x/y" }, { "/mx", "/m", NULL }, { "/m//x", "/m", "x" },
		{ "/a", "", "a" }, { "/other", "/m", NULL }, { "/a/b", "/", "a/b" }, { "/", "/", "" },
	};
	for (size_t i = 0; i < sizeof under / sizeof *under; i++) {
		const char *r = ue_path_under(under[i].path, under[i].root, strlen(under[i].root));
		if (under[i].rest)
			is_str(r, under[i].rest, "under %s %s", under[i].path, under[i].root);
		else
			ok(r == NULL, "not under: %s %s", under[i].path, under[i].root);
	}
	static const struct { const char *rel, *dir; int under; } rel_under[] = {
		{ "a/b", "a", 1 }, { "a", "a", 1 }, { "ab", "a", 0 }, { "a", "a/b", 0 }, { "x", "", 1 }, { "", "", 1 },
	};
	for (size_t i = 0; i < sizeof rel_under / sizeof *rel_under; i++)
		is_int(ue_rel_under(rel_under[i].rel, strlen(rel_under[i].rel), rel_under[i].dir, strlen(rel_under[i].dir)),
		       rel_under[i].under,
		       "rel_under %s %s", rel_under[i].rel, rel_under[i].dir);
	static const struct { const char *in, *rel_parent, *parent, *base; } parts[] = {
		{ "/a/b/c", "/a/b", "/a/b", "c" }, { "/a", "", "/", "a" }, { "a/b", "a", NULL, "b" }, { "a", "", NULL, "a" },
	};
	char buf[PATH_MAX];
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		ue_rel_parent(buf, parts[i].in);
		is_str(buf, parts[i].rel_parent, "rel_parent %s", parts[i].in);
		is_str(ue_path_base(parts[i].in), parts[i].base, "base %s", parts[i].in);
		if (parts[i].in[0] != '/')
			continue;
		is_int(ue_path_parent(buf, sizeof buf, parts[i].in), 0, "parent %s", parts[i].in);
		is_str(buf, parts[i].parent, "parent %s", parts[i].in);
	}
	char small[4];
	is_int(ue_path_parent(small, sizeof small, "/abcd/e"), -ENAMETOOLONG, "parent too long");
	is_int(ue_path_parent(buf, sizeof buf, "name"), -EINVAL, "parent of a name with no slash");
	/* Real paths and their layers, with a union of its own. */
	struct ue_config saved = ue_cfg;
	memset(&ue_cfg, 0, sizeof ue_cfg);
	ue_cfg.nlayers = 3;
	ue_cfg.layer[0] = (struct ue_layer){ .root = "/u", .len = 2 };
	ue_cfg.layer[1] = (struct ue_layer){ .root = "/l", .len = 2 };
	ue_cfg.layer[2] = (struct ue_layer){ .root = "/l/in", .len = 5 };
	is_int(ue_real_path(buf, sizeof buf, 1, "x/y"), 0, "real of a name");
	is_str(buf, "/l/x/y", "real: the layer's root, a slash, the name");
	ue_real_path(buf, sizeof buf, 0, "");
	is_str(buf, "/u", "real of the top is the layer's root");
	is_int(ue_real_path(small, sizeof small, 1, "x/y"), -ENAMETOOLONG, "real too long");
	is_int(ue_layer_of("/u/a"), 0, "real_layer: the upper");
	is_int(ue_layer_of("/l/in/a"), 2, "real_layer: the deepest root of nested lowers");
	is_int(ue_layer_of("/l/i"), 1, "real_layer: a name beside a nested root");
	is_int(ue_layer_of("/x"), -1, "real_layer: outside every layer");
	ue_cfg = saved;
}
