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

static struct ue_path *at(struct ue_path *p, const char *rel, int flags)
{
	char v[4096];
	snprintf(v, sizeof v, "%s/%s", fx_mount(), rel);
	if (ue_resolve(AT_FDCWD, v, flags, p) < 0)
		p->where = -1;
	return p;
}

void test_oprename(void)
{
	fx_setup(2, tree);
	is_int(ue_op_rename(at(&A, "keep", 0), at(&B, "kept", 0), 0), 0, "rename a lower file");
	ok(fx_type("U", "keep") == 'w' && !strcmp(fx_read("U", "kept"), "k"), "moved up, whiteout behind");

	is_int(ue_op_rename(at(&A, "m", 0), at(&B, "moved", 0), 0), 0, "rename a merged lower dir");
	ok(fx_type("U", "m") == 'w', "whiteout at the old name");
	ok(fx_opaque("U", "moved") && !strcmp(fx_read("U", "moved/p"), "p") && !strcmp(fx_read("U", "moved/q"), "q"),
	   "new name: opaque, every file copied up from both lowers");
	is_int(fx_type("L1", "m"), 'd', "the lowers keep the dir");

	is_int(ue_op_rename(at(&A, "moved", 0), at(&B, "b", 0), 0), -ENOTDIR, "dir over file: ENOTDIR");
	is_int(ue_op_rename(at(&A, "b", 0), at(&B, "d", 0), 0), -EISDIR, "file over dir: EISDIR");
	is_int(ue_op_rename(at(&A, "d", 0), at(&B, "d/sub/in", 0), 0), -EINVAL, "dir into itself: EINVAL");
	is_int(ue_op_rename(at(&A, "b", 0), at(&B, "kept", 0), RENAME_NOREPLACE), -EEXIST, "RENAME_NOREPLACE");

	is_int(ue_op_mkdir(at(&A, "fresh", 0), 0755), 0, "rename: mkdir of a new dir");
	is_int(ue_op_rename(at(&A, "fresh", 0), at(&B, "d", 0), RENAME_EXCHANGE), 0, "RENAME_EXCHANGE with a lower dir");
	ok(fx_opaque("U", "d") && fx_opaque("U", "fresh") && !strcmp(fx_read("U", "fresh/x"), "x"),
	   "exchanged: both opaque, the lower dir's files moved with it");
	ok(at(&A, "d/x", 0)->where == UE_UNION && !ue_node_exists(&A.node), "the new dir at the old name hides the lower's files");
	ue_op_rename(at(&A, "fresh", 0), at(&B, "d", 0), RENAME_EXCHANGE);
	is_str(fx_read("L2", "d/sub/y"), "y", "rename: lowers never written");
	fx_teardown();
}
