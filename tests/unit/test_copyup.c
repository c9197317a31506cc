/* core/copyup.c: a name brought from a lower into the upper with its data,
 * mode and times, its parents first; a directory tree whole, opaque, its
 * whiteouts dropped; nothing half made, the lowers untouched. */
#include "cache.h"
#include "config.h"
#include "copyup.h"
#include "fixture.h"
#include "lookup.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *const tree[] = {
	"L1 d d", "L1 d d/e", "L1 f d/e/f hello", "L2 f b from L2",
	"L1 d t", "L1 f t/a a", "L1 d t/sub", "L1 f t/sub/s s", "L2 d t", "L2 f t/below b", "L2 f t/gone g",
	"L1 w t/gone", "L1 d p", "L1 d p/q", "L1 d p/q/r", NULL
};

static struct ue_node n;

static struct ue_node *node(const char *rel)
{
	if (ue_node_at(rel, &n) < 0)
		n.layer = -2;
	return &n;
}

void test_copyup(void)
{
	fx_setup(2, tree);
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	utimensat(AT_FDCWD, fx_path("L1", "d/e/f"), old, 0);
	chmod(fx_path("L1", "d/e/f"), 0604);
	chmod(fx_path("L1", "d/e"), 0750);
	utimensat(AT_FDCWD, fx_path("L1", "d/e"), old, 0);

	is_int(ue_copy_up("d/e/f", node("d/e/f"), 0), 0, "copy_up: a lower file");
	is_int(n.layer, UE_UPPER, "copy_up: the node is the upper's now");
	is_str(fx_read("U", "d/e/f"), "hello", "copy_up: its data");
	struct stat st;
	lstat(fx_path("U", "d/e/f"), &st);
	ok((st.st_mode & 07777) == 0604 && st.st_mtime == 1000000000, "copy_up: its mode and mtime");
	lstat(fx_path("U", "d/e"), &st);
	ok(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750 && st.st_mtime == 1000000000,
	   "copy_up: its parents first, with their mode and times");
	is_int(fx_tmp_names("d/e"), 0, "copy_up: no temporary name left");
	is_int(ue_copy_up("d/e/f", node("d/e/f"), 0), 0, "copy_up: again: nothing to do");
	is_str(fx_read("L1", "d/e/f"), "hello", "copy_up: the lower keeps its file");

	is_int(ue_copy_up("b", node("b"), UE_COPYUP_NODATA), 0, "copy_up: without data (a truncate follows)");
	is_str(fx_read("U", "b"), "", "copy_up: ... the upper's file is empty");
	is_str(fx_read("L2", "b"), "from L2", "copy_up: ... the lower's is not");

	is_int(ue_copy_up_parents("p/q/r/new"), 0, "copy_up_parents: every directory above");
	ok(fx_type("U", "p") == 'd' && fx_type("U", "p/q") == 'd' && fx_type("U", "p/q/r") == 'd' && !fx_type("U", "p/q/r/new"),
	   "copy_up_parents: ... and not the name itself");

	is_int(ue_copy_up_tree(&ue_self, "t", node("t")), 0, "copy_up_tree: a merged directory");
	ok(fx_opaque("U", "t"), "copy_up_tree: opaque");
	ok(!strcmp(fx_read("U", "t/a") ? fx_read("U", "t/a") : "", "a") && !strcmp(fx_read("U", "t/below") ? fx_read("U", "t/below") : "", "b") &&
	   fx_type("U", "t/sub/s") == 'f', "copy_up_tree: everything below, of every layer");
	ok(!fx_type("U", "t/gone"), "copy_up_tree: a name whited out stays out, with no whiteout");
	ok(fx_type("L1", "t/gone") == 'w' && fx_type("L2", "t/gone") == 'f', "copy_up_tree: the lowers untouched");
	fx_teardown();

	/* The caller looked at s/c/d/y in the lower; a racer then moved s/c
	 * away and made it anew (mkdir -p s/c/d over the whiteout the move
	 * left: s/c opaque, s/c/d plain in it).  Nothing of the lower shows
	 * below the new s/c, and its y must not come up into it
	 * (tests/scenarios/race-tree.sh: the kernel then met two upper files
	 * of one origin and gave ESTALE). */
	static const char *const moved[] = { "L1 d s", "L1 d s/c", "L1 d s/c/d", "L1 f s/c/d/y y", NULL };
	fx_setup(1, moved);
	struct ue_node stale = *node("s/c/d/y");
	mkdir(fx_path("U", "s"), 0755);
	mkdir(fx_path("U", "s/c"), 0755);
	lsetxattr(fx_path("U", "s/c"), "user.overlay.opaque", "y", 1, 0);
	mkdir(fx_path("U", "s/c/d"), 0755);
	is_int(ue_copy_up("s/c/d/y", &stale, 0), -ENOENT, "copy_up: a stale look below a directory made anew, opaque above: ENOENT");
	ok(!fx_type("U", "s/c/d/y") && fx_tmp_names("s/c/d") == 0, "copy_up: ... nothing comes up into the new directory");
	int fd = open(fx_path("U", "s/c/d/y"), O_CREAT | O_WRONLY, 0644);
	close(fd);
	stale = *node("s/c/d/y");
	stale.layer = 1;
	stale.stack = 2;
	is_int(ue_copy_up("s/c/d/y", &stale, 0), 0, "copy_up: the same with a racer's new y there: done");
	ok(stale.layer == UE_UPPER && stale.stack == 1 && fx_read("U", "s/c/d/y") && !strcmp(fx_read("U", "s/c/d/y"), ""),
	   "copy_up: ... the node is the racer's file, which is left as it is");
	is_str(fx_read("L1", "s/c/d/y"), "y", "copy_up: the lower keeps its file");
	fx_teardown();
}
