/* core/oprename.c: rename in the union (a lower's file and a merged
 * directory brought up, whiteouts behind, the kernel's errors). */
#include "cache.h"
#include "fixture.h"
#include "lookup.h"
#include "ops.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const tree[] = {
	"L1 f a one", "L2 f b two", "L2 d d", "L2 f d/x x", "L2 d d/sub", "L2 f d/sub/y y",
	"L1 d m", "L1 f m/p p", "L2 d m", "L2 f m/q q", "L2 d empty", "L1 f keep k",
	NULL
};

static struct ue_path A, B;

void test_oprename(void)
{
	fx_setup(2, tree);
	is_int(ue_op_rename(fx_at(&A, "keep"), fx_at(&B, "kept"), 0), 0, "rename a lower file");
	ok(fx_type("U", "keep") == 'w' && !strcmp(fx_read("U", "kept"), "k"), "moved up, whiteout behind");

	is_int(ue_op_rename(fx_at(&A, "m"), fx_at(&B, "moved"), 0), 0, "rename a merged lower dir");
	ok(fx_type("U", "m") == 'w', "whiteout at the old name");
	ok(fx_opaque("U", "moved") && !strcmp(fx_read("U", "moved/p"), "p") && !strcmp(fx_read("U", "moved/q"), "q"),
	   "new name: opaque, every file copied up from both lowers");
	is_int(fx_type("L1", "m"), 'd', "the lowers keep the dir");

	is_int(ue_op_rename(fx_at(&A, "moved"), fx_at(&B, "b"), 0), -ENOTDIR, "dir over file: ENOTDIR");
	is_int(ue_op_rename(fx_at(&A, "b"), fx_at(&B, "d"), 0), -EISDIR, "file over dir: EISDIR");
	is_int(ue_op_rename(fx_at(&A, "d"), fx_at(&B, "d/sub/in"), 0), -EINVAL, "dir into itself: EINVAL");
	is_int(ue_op_rename(fx_at(&A, "b"), fx_at(&B, "kept"), RENAME_NOREPLACE), -EEXIST, "RENAME_NOREPLACE");

	is_int(ue_op_mkdir(fx_at(&A, "fresh"), 0755), 0, "rename: mkdir of a new dir");
	is_int(ue_op_rename(fx_at(&A, "fresh"), fx_at(&B, "d"), RENAME_EXCHANGE), 0, "RENAME_EXCHANGE with a lower dir");
	ok(fx_opaque("U", "d") && fx_opaque("U", "fresh") && !strcmp(fx_read("U", "fresh/x"), "x"),
	   "exchanged: both opaque, the lower dir's files moved with it");
	ok(fx_at(&A, "d/x")->where == UE_UNION && !ue_node_exists(&A.node), "the new dir at the old name hides the lower's files");
	ue_op_rename(fx_at(&A, "fresh"), fx_at(&B, "d"), RENAME_EXCHANGE);
	is_str(fx_read("L2", "d/sub/y"), "y", "rename: lowers never written");
	fx_teardown();
}
