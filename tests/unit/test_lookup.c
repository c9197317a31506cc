/* core/lookup.c: a name looked up across the layers. */
#include "config.h"
#include "fixture.h"
#include "lookup.h"
#include "readdir.h"
#include "redirect.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void test_lookup(void)
{
	fx_setup(2, fx_merged_tree);
	struct ue_node n;
	is_int(ue_node_at("a", &n), 0, "lookup a");
	is_int(n.layer, 1, "a: from the highest lower");
	is_int(ue_node_at("only2", &n), 0, "lookup only2");
	is_int(n.layer, 2, "only2: from the second lower");
	ue_node_at("dir", &n);
	is_int(n.stack, 6, "dir merges both lowers");
	ue_node_at("gone", &n);
	ok(!ue_node_exists(&n) && n.upper_whiteout, "whiteout in the upper hides the lower file");
	ue_node_at("opq", &n);
	is_int(n.stack, 1, "opaque upper dir stops the merge");
	ok(n.in_lower, "opaque dir still knows a lower holds its name");
	ue_node_at("opq/hidden", &n);
	ok(!ue_node_exists(&n), "name below an opaque dir is hidden");
	ue_node_at("wh", &n);
	ok(!ue_node_exists(&n) && !n.upper_whiteout, "whiteout in a lower hides the layer below it");
	is_int(ue_node_at("file/x", &n), -ENOTDIR, "below a file: ENOTDIR");
	is_int(ue_node_at("nope/x", &n), -ENOENT, "below a missing name: ENOENT");
	fx_teardown();
}
