/* The search permission the resolver checks on each directory of a walk,
 * from the mode and owner the lookup keeps in the node. */
#include "cache.h"
#include "fixture.h"
#include "lookup.h"
#include "override.h"
#include "perm.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static int res(const char *rel)
{
	static struct ue_path p;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", fx_mount(), rel);
	return ue_resolve(AT_FDCWD, path, 0, &p);
}

void test_perm(void)
{
	static const char *const t[] = { "L1 d a", "L1 d a/b", "L1 f a/b/f x", "L1 d shut", NULL };
	fx_setup(1, t);
	int root = geteuid() == 0;
	struct ue_node n = { .layer = 1, .type = S_IFDIR, .mode = 0755, .uid = 12345 };
	/* "missing" is no directory: an answer without it is one made from the node alone */
	is_int(ue_may_search(&ue_self, &n, "missing"), 0, "x for everyone: no credentials asked");
	n.mode = 0700;
	n.uid = geteuid();
	is_int(ue_may_search(&ue_self, &n, "missing"), 0, "the owner's x bit: no credentials asked");
	chmod(fx_path("L1", "shut"), 0600);
	n.mode = 0600;
	is_int(ue_may_search(&ue_self, &n, "shut"), root ? 0 : -EACCES, "the owner without x: %s", root ? "root passes" : "EACCES");
	n.uid = geteuid() + 1;
	n.mode = 0070;
	chmod(fx_path("L1", "shut"), 0070);
	is_int(ue_may_search(&ue_self, &n, "shut"), root ? 0 : -EACCES, "another's directory: the kernel decides on the real one");

	struct ue_node a, f;
	is_int(ue_node_at("a/b/f", &f), 0, "lookup below open directories");
	ok(f.open_above, "every directory above lets everyone search: the cached path needs no check");
	ue_node_at("a", &a);
	is_int(a.mode, 0755, "the directory's mode is kept in its node");
	is_int(a.uid, geteuid(), "... and its owner");
	is_int(res("a/b/f"), 0, "resolve through open directories");
	chmod(fx_path("L1", "a"), 0600);
	ue_changed("a", 1);  /* as the chmod wrapper announces it */
	is_int(res("a/b/f"), root ? 0 : -EACCES, "after the chmod, the cached path is walked: %s", root ? "root passes" : "EACCES");
	is_int(res("a/b/none"), root ? 0 : -EACCES, "... a cached negative entry too");
	chmod(fx_path("L1", "a"), 0700);
	ue_changed("a", 1);
	is_int(res("a/b/f"), 0, "the owner searches a 0700 directory");
	is_int(ue_node_at("a/b/f", &f), 0, "lookup below it");
	ok(!f.open_above, "below a directory closed to some the cached path needs its check");
	chmod(fx_path("L1", "a"), 0755);
	fx_teardown();
}
