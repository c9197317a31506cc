/* core/opaquetree.c: a directory tree that came to lie below an opaque
 * directory unseen by the copy that made it so, cleaned as a copy made
 * whole leaves it: every directory opaque, no whiteouts. */
#include "fixture.h"
#include "opaquetree.h"
#include "tap.h"
#include "tests.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static const char *const tree[] = {
	"L1 d t", "L1 d t/a", "L1 f t/a/gone x", "L1 f t/x x",
	"U d t", "U d t/a", "U w t/a/gone", "U d t/a/b", "U w t/x", "U f t/file data",
	"U d s", "U o s", "U d s/new", "U w s/new/w", "U d s/keep", "U w s/keep/w", NULL
};

static int seen_keep(const char *name, void *arg)
{
	(void)arg;
	return !strcmp(name, "keep");
}

void test_opaquetree(void)
{
	fx_setup(1, tree);
	int up = open(fx_path("U", ""), O_RDONLY | O_DIRECTORY);
	int t = open(fx_path("U", "t"), O_RDONLY | O_DIRECTORY);
	is_int(ue_opaque_dir_fd(t), 0, "opaque_dir_fd: a plain directory");
	is_int(ue_opaque_tree_at(up, "t"), 0, "opaque_tree_at: cleaned");
	is_int(ue_opaque_dir_fd(t), 1, "opaque_dir_fd: now opaque");
	ok(fx_opaque("U", "t") && fx_opaque("U", "t/a") && fx_opaque("U", "t/a/b"), "opaque_tree_at: every directory opaque");
	ok(!fx_type("U", "t/x") && !fx_type("U", "t/a/gone"), "opaque_tree_at: the whiteouts dropped");
	is_str(fx_read("U", "t/file"), "data", "opaque_tree_at: files kept");
	is_int(ue_opaque_tree_at(up, "missing"), 0, "opaque_tree_at: gone meanwhile: nothing to clean");
	is_int(ue_opaque_unseen(fx_path("U", "s"), seen_keep, NULL), 0, "opaque_unseen: cleaned");
	ok(fx_opaque("U", "s/new") && !fx_type("U", "s/new/w"), "opaque_unseen: a directory the copy did not see is cleaned");
	ok(!fx_opaque("U", "s/keep") && fx_type("U", "s/keep/w") == 'w', "opaque_unseen: one it saw is left alone");
	close(t);
	close(up);
	fx_teardown();
}
