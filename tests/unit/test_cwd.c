/* core/cwd.c: the current directory as the program sees it, set, read,
 * and followed across renames of its directory (or of one above it) made
 * by this process or posted by another. */
#include "cache.h"
#include "cwd.h"
#include "fixture.h"
#include "lowermap.h"
#include "ops.h"
#include "renames.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const tree[] = {
	"L1 d d", "L1 f d/a a", "L1 d d/sub", "L2 d d", "L2 f d/b b", "L1 d k", NULL
};

static const char *in(const char *rel)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s/%s", fx_mount(), rel);
	return buf;
}

static struct ue_path *at(struct ue_path *p, const char *rel)
{
	if (ue_resolve(AT_FDCWD, in(rel), 0, p) < 0)
		p->where = -1;
	return p;
}

static void test_follow(void)
{
	struct ue_path a, b;
	char v[4096], real[4096], want[4096];
	int here = open(".", O_RDONLY | O_DIRECTORY);
	fx_setup(2, tree);
	is_int(ue_cwd_change(fx_path("L1", "d/sub"), in("d/sub"), ue_renames_head()), 0, "cd into a lower directory");
	is_int(ue_op_rename(at(&a, "d"), at(&b, "e"), 0), 0, "rename its merged parent");
	is_int(ue_cwd_get(v, sizeof v), 0, "getcwd");
	is_str(v, in("e/sub"), "the current directory follows at once");
	ok(getcwd(real, sizeof real) && !strcmp(real, fx_path("U", "e/sub")),
	   "the kernel's moved to the copied-up directory (children start there)");
	is_int(ue_unreal(v, sizeof v, fx_path("L2", "d")), 0, "unreal");
	is_str(v, in("e"), "a lower directory left behind is named where it went");
	ue_unreal(v, sizeof v, fx_path("L1", "d/sub"));
	is_str(v, in("e/sub"), "... and below it");
	ue_unreal(v, sizeof v, fx_path("L1", "k"));
	is_str(v, in("k"), "a lower directory not renamed keeps its name");

	is_int(ue_op_rename(at(&a, "e"), at(&b, "k/f"), 0), 0, "rename the copy again (a directory of the upper)");
	ue_cwd_get(v, sizeof v);
	is_str(v, in("k/f/sub"), "the current directory follows again");
	ue_unreal(v, sizeof v, fx_path("L2", "d"));
	is_str(v, in("k/f"), "the lower directory follows both renames");

	/* Another process renamed: only the shared memory tells us. */
	ue_cwd_change(fx_path("U", "k/f/sub"), in("k/f/sub"), ue_renames_head());
	rename(fx_path("U", "k/f"), fx_path("U", "g"));
	ue_lowermap_renamed(UE_CACHE_ALONE, "k/f", "g", 0, 0, 0);
	ue_renamed("k/f", "g", 0);
	ue_cwd_get(v, sizeof v);
	is_str(v, in("g/sub"), "a rename posted by another process is followed");

	/* Renames lost (more than the log holds): the kernel knows where an
	 * upper directory went, the map where a lower one went. */
	rename(fx_path("U", "g"), fx_path("U", "h"));
	ue_lowermap_renamed(UE_CACHE_ALONE, "g", "h", 0, 0, 0);
	for (int i = 0; i < UE_RENAME_SLOTS + 1; i++)
		ue_renamed("x", "y", 0);
	ue_cwd_get(v, sizeof v);
	is_str(v, in("h/sub"), "after lost renames, the kernel's directory names it");
	snprintf(want, sizeof want, "%s", fx_path("L1", "d"));
	ue_unreal(v, sizeof v, want);
	is_str(v, in("h"), "after lost renames, a lower directory is named where it went");
	fx_teardown();
	if (here >= 0) {
		fchdir(here);
		close(here);
	}
	ue_cwd_set("/");
}

static void test_value(void)
{
	char v[4096], small[4];
	int here = open(".", O_RDONLY | O_DIRECTORY);
	fx_setup(2, tree);
	ue_cwd_set("/some/where");
	is_int(ue_cwd_get(v, sizeof v), 0, "set, then get");
	is_str(v, "/some/where", "the value set is the value read (outside the union: nothing to follow)");
	is_int(ue_cwd_get(small, sizeof small), -ERANGE, "a buffer too small: ERANGE, as getcwd");
	ok(chdir(fx_path("L2", "d")) == 0, "the kernel's directory: the second lower's d");
	is_int(ue_cwd_reload(), 0, "reload from the kernel");
	ue_cwd_get(v, sizeof v);
	is_str(v, in("d"), "a lower's real directory is named in the union");
	ok(chdir(fx_path("L1", "k")) == 0, "the kernel's directory: the first lower's k");
	ue_cwd_reload();
	ue_cwd_get(v, sizeof v);
	is_str(v, in("k"), "... the first lower's too");
	is_int(ue_cwd_change(fx_path("L1", "nothere"), in("nothere"), ue_renames_head()), -ENOENT,
	       "a change to a missing directory fails as chdir");
	ue_cwd_get(v, sizeof v);
	is_str(v, in("k"), "... and keeps the old value");
	fx_teardown();
	if (here >= 0) {
		fchdir(here);
		close(here);
	}
	ue_cwd_set("/");
}

void test_cwd(void)
{
	test_value();
	test_follow();
}
