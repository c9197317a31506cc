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

	is_int(ue_op_change_prepare(fx_at(&A, "b"), 0), 0, "copy-up of a lower file");
	is_str(fx_read("U", "b"), "two", "copy-up keeps the data");
	is_int(mtime("U", "b"), 1000000000, "copy-up keeps the mtime");
	struct stat st;
	stat(fx_path("U", "b"), &st);
	is_int(st.st_mode & 07777, 0640, "copy-up keeps the mode");
	is_str(A.real, fx_path("U", "b"), "after copy-up the real path is the upper's");
	is_int(mtime("L2", "b"), 1000000000, "the lower is untouched");

	is_int(ue_op_unlink(fx_at(&A, "a")), 0, "unlink a lower file");
	is_int(fx_type("U", "a"), 'w', "leaves a whiteout");
	is_str(fx_read("L1", "a"), "one", "the lower keeps its file");
	ok(fx_at(&A, "a")->where == UE_UNION && !ue_node_exists(&A.node), "the name is gone from the union");

	int flags = O_CREAT | O_WRONLY;
	is_int(ue_op_open_prepare(fx_at(&A, "a"), &flags, 0644), 0, "create over a whiteout");
	is_int(fx_type("U", "a"), 'f', "the whiteout became a file");

	flags = O_CREAT | O_WRONLY;
	char v[4096];
	snprintf(v, sizeof v, "%s/new/deep", fx_mount());
	is_int(ue_resolve(AT_FDCWD, v, 0, &A), -ENOENT, "create below a missing dir: ENOENT");
	is_int(ue_op_open_prepare(fx_at(&A, "d/new"), &flags, 0644), 1, "create in a lower dir: the open creates");
	is_int(fx_type("U", "d"), 'd', "the parent was copied up");
	is_int(mkdir(fx_path("U", "d/made"), 0755), 0, "(the caller creates)");
	ue_changed("d/made", 0);

	is_int(ue_op_rmdir(fx_at(&A, "d")), -ENOTEMPTY, "rmdir of a non-empty merged dir: ENOTEMPTY");
	is_int(ue_op_unlink(fx_at(&A, "d")), -EISDIR, "unlink of a dir: EISDIR");
	is_int(ue_op_rmdir(fx_at(&A, "empty")), 0, "rmdir of an empty lower dir");
	is_int(fx_type("U", "empty"), 'w', "leaves a whiteout");
	is_int(ue_op_mkdir(fx_at(&A, "empty"), 0755), 0, "mkdir over the whiteout");
	ok(fx_type("U", "empty") == 'd' && fx_opaque("U", "empty"), "the new dir is opaque");
	is_int(ue_op_mkdir(fx_at(&A, "keep"), 0755), -EEXIST, "mkdir over a file: EEXIST");

	is_int(ue_op_link(fx_at(&A, "d/x"), fx_at(&B, "hard")), 0, "link to a lower file");
	stat(fx_path("U", "hard"), &st);
	is_int(st.st_nlink, 2, "copied up and linked");
	is_int(ue_op_unlink(fx_at(&A, "keep")), 0, "unlink of a lower file");
	is_int(ue_op_symlink("b", fx_at(&A, "keep")), 0, "symlink over a whiteout");
	is_int(fx_type("U", "keep"), 'l', "the whiteout became a symlink");

	/* A lower's fifo: brought up by an open, so that its use leaves the
	 * lower's times alone; not by an O_PATH open. */
	mkfifo(fx_path("L2", "fifo"), 0644);
	utimensat(AT_FDCWD, fx_path("L2", "fifo"), old, 0);
	flags = O_PATH;
	is_int(ue_op_open_prepare(fx_at(&A, "fifo"), &flags, 0), 0, "O_PATH open of a lower fifo");
	is_int(fx_type("U", "fifo"), 0, "... brings nothing up");
	flags = O_RDONLY;
	is_int(ue_op_open_prepare(fx_at(&A, "fifo"), &flags, 0), 0, "open of a lower fifo to read");
	ok(lstat(fx_path("U", "fifo"), &st) == 0 && S_ISFIFO(st.st_mode) && st.st_mtime == 1000000000 &&
	   (st.st_mode & 07777) == 0644, "... brings it up, mode and times kept");
	is_str(A.real, fx_path("U", "fifo"), "... and opens the upper's");

	is_int(ue_op_rmdir(fx_at(&A, "")), -EBUSY, "rmdir of the mount: EBUSY");
	is_str(fx_read("L2", "d/sub/y"), "y", "lowers never written");
	fx_teardown();
}
