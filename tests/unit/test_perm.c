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

void test_override(void)
{
	struct ue_override o;
	char v[64];
	is_int(ue_override_parse("0:0:0755:dir", 12, &o), 0, "owner record: parsed");
	ok(o.uid == 0 && o.gid == 0 && o.mode == 0755, "owner record: 0:0, 0755");
	is_int(ue_override_parse("1000:100:4755", 13, &o), 0, "owner record without its type (fuse-overlayfs' form)");
	ok(o.uid == 1000 && o.gid == 100 && o.mode == 04755, "owner record: 1000:100, 4755");
	is_int(ue_override_parse("x:0:0755", 8, &o), -EINVAL, "a bad number: EINVAL");
	is_int(ue_override_parse("1:2", 3, &o), -EINVAL, "too few parts: EINVAL");
	is_int(ue_override_parse("1:2:8", 5, &o), -EINVAL, "a mode not in octal: EINVAL");
	o = (struct ue_override){ 0, 0, 0755 };
	ue_override_format(v, sizeof v, S_IFDIR, &o);
	is_str(v, "0:0:0755:dir", "formatted as containers/storage writes it");

	static const char *const t[] = { "U d d", "U f d/f x", NULL };
	fx_setup(1, t);
	int root = geteuid() == 0;
	char f[4096], d[4096];
	snprintf(f, sizeof f, "%s", fx_path("U", "d/f"));
	snprintf(d, sizeof d, "%s", fx_path("U", "d"));
	if (root) {  /* a record is only where the copy-up could not chown: never on root's */
		chown(f, 65534, 65534);
		chown(d, 65534, 65534);
	}
	chmod(f, 0644);
	chmod(d, 0755);
	o = (struct ue_override){ 12345, 12345, 0644 };
	is_int(ue_override_set(f, -1, S_IFREG, &o), 0, "record set");
	o = (struct ue_override){ 12345, 12345, 0700 };
	ue_override_set(d, -1, S_IFDIR, &o);
	struct ue_node n;
	ue_node_at("d/f", &n);
	ok(n.override && n.uid == 12345 && n.mode == 0644, "the lookup takes the recorded owner");
	ue_node_at("d", &n);
	ok(n.override && n.uid == 12345 && n.mode == 0700, "... of a directory too");
	is_int(ue_may_search(&ue_self, &n, "d"), root ? 0 : -EACCES, "search checked against the recorded owner: %s", root ? "root passes" : "EACCES");
	is_int(ue_may(&ue_self, f, W_OK), root ? 0 : -EACCES, "write checked against the recorded owner");
	is_int(ue_may_own(&ue_self, f), root ? 0 : -EPERM, "ownership checked against the recorded owner");
	is_int(ue_override_update(f, -1, -1, 0600), 1, "a chmod updates the record");
	ok(ue_override_get(f, -1, &o) == 1 && o.mode == 0600 && o.uid == 12345, "record: mode 0600, owner kept");
	struct stat st;
	stat(f, &st);
	is_int(ue_override_update(f, st.st_uid, st.st_gid, -1), 1, "a chown to the real owner...");
	chmod(f, 0600);
	ue_override_update(f, -1, -1, 0600);
	is_int(ue_override_get(f, -1, &o), 0, "... and mode: the record is gone");
	is_int(ue_override_update(f, -1, -1, 0644), 0, "no record: nothing to update");
	fx_teardown();
}
