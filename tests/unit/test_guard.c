/* core/guard.c: a change whose kernel target lies in a lower, reached by
 * a road the resolver does not see (a lower named directly, a symlink
 * from outside the mount), is resolved again in the union. */
#include "fixture.h"
#include "guard.h"
#include "tap.h"
#include "tests.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const tree[] = { "L1 d d", "L1 f d/a a", "L2 d d", "L2 f d/f f", "U f up u", NULL };

static struct ue_path p;

static const char *change(const char *path)
{
	static char out[UE_PATH_MAX + 16];
	if (ue_resolve_for_change(&ue_self, AT_FDCWD, path, 0, &p) < 0)
		return "(error)";
	snprintf(out, sizeof out, "%s %s", p.where == UE_UNION ? "union" : p.where == UE_PASS ? "pass" : "outside",
	         p.where == UE_UNION ? p.rel : "");
	return out;
}

void test_guard(void)
{
	char out[4096];
	fx_setup(2, tree);
	snprintf(out, sizeof out, "%s", fx_path("out", ""));
	symlink(fx_path("L2", "d"), out);
	is_str(change(fx_path("L2", "d/f")), "union d/f", "for_change: a lower's file named directly is the union's");
	is_str(change(fx_path("L2", "d/new")), "union d/new", "for_change: a new name in a lower's directory too");
	snprintf(out, sizeof out, "%s/f", fx_path("out", ""));
	is_str(change(out), "union d/f", "for_change: through a symlink from outside the mount into a lower");
	snprintf(out, sizeof out, "%s/x", fx_path("out", ""));
	is_str(change(out), "union d/x", "for_change: ... a new name there too");
	is_str(change(fx_path("U", "up")), "pass ", "for_change: the upper itself is the kernel's");
	is_str(change("/dev/null"), "pass ", "for_change: a path outside every layer passes");
	snprintf(out, sizeof out, "%s/d/a", fx_mount());
	is_str(change(out), "union d/a", "for_change: a union path stays one");
	change(fx_path("L2", "d/.."));
	is_int(p.last, UE_LAST_DOTDOT, "for_change: \"x/..\" redone in the union still ends in \"..\"");
	unlink(fx_path("out", ""));
	fx_teardown();
}
