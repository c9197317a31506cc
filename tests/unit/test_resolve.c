/* core/resolve.c: a path of the union to a real path in a layer. */
#include "config.h"
#include "fixture.h"
#include "lookup.h"
#include "readdir.h"
#include "redirect.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct ue_path P;

static int res(const char *path, int flags)
{
	return ue_resolve(AT_FDCWD, path, flags, &P);
}

static const char *in(const char *rel)
{
	static char b[4096];
	snprintf(b, sizeof b, "%s/%s", fx_mount(), rel);
	return b;
}

void test_resolve(void)
{
	fx_setup(2, fx_merged_tree);
	is_int(res(in("lnk"), UE_FOLLOW), 0, "resolve a symlink");
	is_str(P.rel, "a", "symlink followed in union terms");
	is_int(res(in("lnk"), 0), 0, "resolve a symlink, not followed");
	is_str(P.rel, "lnk", "last symlink kept");
	is_int(res(in("loop1"), UE_FOLLOW), -ELOOP, "symlink loop: ELOOP");
	is_int(res(in("dir/../a"), 0), 0, "dot-dot");
	is_str(P.rel, "a", "dot-dot resolved in the union");
	is_int(res(in("up"), UE_FOLLOW), 0, "symlink leaving the mount");
	is_int(P.where, UE_OUTSIDE, "leaves the union");
	is_int(res(in("abs/passwd"), 0), 0, "absolute symlink out of the union");
	is_str(P.real, "/etc/passwd", "kernel gets the outside path");
	is_int(res("/etc/passwd", 0), 0, "outside path");
	is_int(P.where, UE_PASS, "outside path passes through");
	is_int(ue_config_passthrough("/dir"), 0, "pass-through of dir");
	is_int(res(in("dir/x"), 0), 0, "a pass-through path");
	ok(P.where == UE_OUTSIDE && !strcmp(P.real, "/dir/x"), "goes to the kernel as the root filesystem's own");
	is_int(res(in("opq/../dir/y"), 0), 0, "a pass-through path reached by dot-dot");
	ok(P.where == UE_OUTSIDE && !strcmp(P.real, "/dir/y"), "is left to the kernel too");
	is_int(res(in("dir/../a"), 0), 0, "dot-dot out of a pass-through path");
	ok(P.where == UE_UNION && !strcmp(P.rel, "a"), "comes back into the union");
	is_int(res(in("dir/x/../../../L1/file"), 0), 0, "dot-dot out of the mount from a pass-through path");
	ok(P.where == UE_UNION && !strcmp(P.rel, "file"), "is the path the kernel would find: back in the union");
	free(ue_cfg.passthrough[--ue_cfg.npassthrough]);
	is_int(res(in("../L1/a"), 0), 0, "out and back in");
	ok(P.where == UE_UNION && !strcmp(P.rel, "a"), "re-entering the mount lexically");
	is_int(res(in("a/x"), 0), -ENOTDIR, "file as a directory: ENOTDIR");
	is_int(res(in("a/"), 0), -ENOTDIR, "trailing slash on a file: ENOTDIR");
	is_int(res(in("missing/x"), 0), -ENOENT, "missing middle component: ENOENT");
	is_int(res(in("newname"), 0), 0, "missing last component is no error");
	ok(!ue_node_exists(&P.node) && !strcmp(P.real, fx_path("U", "newname")), "missing name maps to the upper");
	char longname[300];
	memset(longname, 'x', 299);
	longname[299] = '\0';
	is_int(res(in(longname), 0), -ENAMETOOLONG, "component over NAME_MAX");
	ue_cwd_set(in("dir"));
	is_int(res("x", 0), 0, "relative to the current directory");
	ok(P.where == UE_UNION && !strcmp(P.real, fx_path("L2", "dir/x")), "relative path found in the lower");
	char v[4096];
	is_int(ue_unreal(v, sizeof v, fx_path("L2", "dir/x")), 0, "unreal");
	is_str(v, in("dir/x"), "a lower's path maps back to the mount");
	fx_teardown();
}
