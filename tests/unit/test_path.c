#include "path.h"
#include "config.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

void test_path(void)
{
	static const struct { const char *in, *out; } norm[] = {
		{ "/", "/" }, { "//a//b/", "/a/b" }, { "/a/./b/.", "/a/b" }, { "/a/b/..", "/a" },
		{ "/..", "/" }, { "/a/../../b", "/b" }, { "/a/..b/c", "/a/..b/c" }, { "/.hidden/x", "/.hidden/x" },
	};
	char out[PATH_MAX];
	for (size_t i = 0; i < sizeof norm / sizeof *norm; i++) {
		ue_path_normalize(out, sizeof out, norm[i].in);
		is_str(out, norm[i].out, "normalize %s", norm[i].in);
	}
	static const struct { const char *p; int dots; } dots[] = {
		{ "a/b", 0 }, { "a/./b", 1 }, { "../a", 1 }, { "a//b", 1 }, { ".a/b.", 0 }, { "a/..", 1 }, { "a/...", 0 },
	};
	for (size_t i = 0; i < sizeof dots / sizeof *dots; i++)
		is_int(ue_path_has_dots(dots[i].p), dots[i].dots, "has_dots %s", dots[i].p);
	char small[8];
	is_int(ue_path_join(small, sizeof small, "/abc", "defgh"), -ENAMETOOLONG, "join too long");
}
