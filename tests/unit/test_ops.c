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

static long mtime(const char *layer, const char *rel)
{
	struct stat st;
	return lstat(fx_path(layer, rel), &st) < 0 ? -1 : (long)st.st_mtime;
}

void test_ops(void)
{
	fx_setup(2, tree);
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	utimensat(AT_FDCWD, fx_path("L2", "b"), old, 0);
	chmod(fx_path("L2", "b"), 0640);

	is_int(ue_op_change_prepare(at(&A, "b", 0), 0), 0, "copy-up of a lower file");
	is_str(fx_read("U", "b"), "two", "copy-up keeps the data");
	is_int(mtime("U", "b"), 1000000000, "copy-up keeps the mtime");
	struct stat st;
	stat(fx_path("U", "b"), &st);
	is_int(st.st_mode & 07777, 0640, "copy-up keeps the mode");
	is_str(A.real, fx_path("U", "b"), "after copy-up the real path is the upper's");
	is_int(mtime("L2", "b"), 1000000000, "the lower is untouched");

	is_int(ue_op_unlink(at(&A, "a", 0)), 0, "unlink a lower file");
	is_int(fx_type("U", "a"), 'w', "leaves a whiteout");
	is_str(fx_read("L1", "a"), "one", "the lower keeps its file");
	ok(at(&A, "a", 0)->where == UE_UNION && !ue_node_exists(&A.node), "the name is gone from the union");

	int flags = O_CREAT | O_WRONLY;
	is_int(ue_op_open_prepare(at(&A, "a", 0), &flags, 0644), 0, "create over a whiteout");
	is_int(fx_type("U", "a"), 'f', "the whiteout became a file");

	flags = O_CREAT | O_WRONLY;
	char v[4096];
	snprintf(v, sizeof v, "%s/new/deep", fx_mount());
	is_int(ue_resolve(AT_FDCWD, v, 0, &A), -ENOENT, "create below a missing dir: ENOENT");
	is_int(ue_op_open_prepare(at(&A, "d/new", 0), &flags, 0644), 1, "create in a lower dir: the open creates");
	is_int(fx_type("U", "d"), 'd', "the parent was copied up");
	is_int(mkdir(fx_path("U", "d/made"), 0755), 0, "(the caller creates)");
	ue_changed("d/made", 0);

	is_int(ue_op_rmdir(at(&A, "d", 0)), -ENOTEMPTY, "rmdir of a non-empty merged dir: ENOTEMPTY");
	is_int(ue_op_unlink(at(&A, "d", 0)), -EISDIR, "unlink of a dir: EISDIR");
	is_int(ue_op_rmdir(at(&A, "empty", 0)), 0, "rmdir of an empty lower dir");
	is_int(fx_type("U", "empty"), 'w', "leaves a whiteout");
	is_int(ue_op_mkdir(at(&A, "empty", 0), 0755), 0, "mkdir over the whiteout");
	ok(fx_type("U", "empty") == 'd' && fx_opaque("U", "empty"), "the new dir is opaque");
	is_int(ue_op_mkdir(at(&A, "keep", 0), 0755), -EEXIST, "mkdir over a file: EEXIST");

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

	is_int(ue_op_mkdir(at(&A, "fresh", 0), 0755), 0, "mkdir of a new dir");
	is_int(ue_op_rename(at(&A, "fresh", 0), at(&B, "d", 0), RENAME_EXCHANGE), 0, "RENAME_EXCHANGE with a lower dir");
	ok(fx_opaque("U", "d") && fx_opaque("U", "fresh") && !strcmp(fx_read("U", "fresh/x"), "x"),
	   "exchanged: both opaque, the lower dir's files moved with it");
	ok(at(&A, "d/x", 0)->where == UE_UNION && !ue_node_exists(&A.node), "the new dir at the old name hides the lower's files");
	ue_op_rename(at(&A, "fresh", 0), at(&B, "d", 0), RENAME_EXCHANGE);
	is_int(ue_op_link(at(&A, "d/x", 0), at(&B, "hard", 0)), 0, "link to a lower file");
	stat(fx_path("U", "hard"), &st);
	is_int(st.st_nlink, 2, "copied up and linked");
	is_int(ue_op_symlink("b", at(&A, "keep", 0)), 0, "symlink over a whiteout");
	is_int(fx_type("U", "keep"), 'l', "the whiteout became a symlink");

	is_int(ue_op_rmdir(at(&A, "", 0)), -EBUSY, "rmdir of the mount: EBUSY");
	is_str(fx_read("L2", "d/sub/y"), "y", "lowers never written");
	fx_teardown();
}
