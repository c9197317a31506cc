/* core/config.c: the layers, the mount and the pass-through list. */
#include "path.h"
#include "config.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

void test_config(void)
{
	is_int(ue_config_load("relative:/b", "/u", NULL), -EINVAL, "config: relative lower refused");
	is_int(ue_config_load("/a::/b", "/u", NULL), -EINVAL, "config: empty lower refused");
	is_int(ue_config_load("/a/:/b", "/u/", NULL), 0, "config: trailing slashes accepted");
	is_int(ue_cfg.nlayers, 3, "config: upper plus two lowers");
	is_str(ue_cfg.mount, "/a", "config: mount defaults to the first lower");
	is_str(ue_cfg.layer[0].root, "/u", "config: upper is layer 0");
	is_int(ue_config_load("/a", "/u", "/m"), 0, "config: explicit mount");
	is_str(ue_cfg.mount, "/m", "config: mount as given");
	is_int(ue_config_passthrough("/proc:/tmp/u/:/dev"), 0, "config: pass-through list");
	ok(ue_config_passes("proc") && ue_config_passes("proc/self/fd") && ue_config_passes("tmp/u/x"),
	   "config: a pass-through path and what lies below it pass");
	ok(!ue_config_passes("procx") && !ue_config_passes("tmp") && !ue_config_passes("tmp/uu") && !ue_config_passes(""),
	   "config: neighbours and parents of a pass-through path do not");
	is_int(ue_config_passthrough("proc"), -EINVAL, "config: relative pass-through refused");
	is_int(ue_config_passthrough("/a::/b"), -EINVAL, "config: empty pass-through element refused");
	is_int(ue_config_passthrough("/"), -EINVAL, "config: the whole union cannot pass through");
	ue_config_reset();
	ok(!ue_config_active() && !ue_cfg.npassthrough, "config: reset leaves nothing active");
}
