/* core/override.c: the owner and mode an ordinary user's copy-up records. */
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
