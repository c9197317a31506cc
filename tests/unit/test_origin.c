/* The origin a copy-up records names the lower file it came from, so an fd
 * open on that lower file can tell its own upper copy from another file
 * made under the same name (preload/fdtab.c relies on it). */
#include "fixture.h"
#include "ops.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"
#include "origin.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static const char *const tree[] = { "L1 f a one", "L2 f b two", NULL };

static int resolve_rel(struct ue_path *p, const char *rel)
{
	char v[4096];
	snprintf(v, sizeof v, "%s/%s", fx_mount(), rel);
	return ue_resolve(AT_FDCWD, v, 0, p);
}

void test_origin(void)
{
	struct ue_path p;
	fx_setup(2, tree);
	int lower_b = open(fx_path("L2", "b"), O_RDONLY);
	int lower_a = open(fx_path("L1", "a"), O_RDONLY);
	ok(resolve_rel(&p, "b") == 0 && ue_op_change_prepare(&p, 0) == 0, "copy-up of b");
	int upper_b = open(fx_path("U", "b"), O_RDONLY);
	ok(ue_origin_is(upper_b, lower_b) == 1, "the upper copy's origin is the lower file the fd is on");
	ok(ue_origin_is(upper_b, lower_a) == 0, "and not another lower file");
	ok(ue_origin_is(lower_a, lower_b) == 0, "a file without an origin is no copy");
	close(upper_b);
	unlink(fx_path("U", "b"));
	int made = open(fx_path("U", "b"), O_RDWR | O_CREAT | O_EXCL, 0644);
	ok(made >= 0 && ue_origin_is(made, lower_b) == 0, "a file made anew under the name is not the copy");
	close(made);
	close(lower_a);
	close(lower_b);
	fx_teardown();
}
