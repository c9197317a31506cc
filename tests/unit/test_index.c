/* The kernel's index (core/index.h): a lower file with two names copied up
 * through one is one file through both; a file with one name never looks
 * at the index. */
#include "config.h"
#include "fixture.h"
#include "index.h"
#include "lookup.h"
#include "ops.h"
#include "resolve.h"
#include "ring.h"
#include "tap.h"
#include "tests.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *const tree[] = { "L1 d d", "L2 f a pair", "L2 d d", "L2 f one triple", "L2 f single single", NULL };

static int resolve_rel(struct ue_path *p, const char *rel)
{
	char v[4096];
	snprintf(v, sizeof v, "%s/%s", fx_mount(), rel);
	return ue_resolve(AT_FDCWD, v, 0, p);
}

void test_index(void)
{
	struct ue_path p;
	struct ue_node n;
	struct stat st, ist;
	char work[4096], idx[4096], v[16];
	fx_setup(2, tree);
	ok(link(fx_path("L2", "a"), fx_path("L2", "d/b")) == 0, "a lower file with two names");
	snprintf(work, sizeof work, "%s", fx_path("U", ""));
	strcpy(strrchr(work, '/'), "/W");
	ok(asprintf(&ue_cfg.index, "%s/index", work) > 0 && (ue_cfg.work = strdup(work)) != NULL &&
	   mkdir(work, 0700) == 0 && mkdir(ue_cfg.index, 0700) == 0, "a work directory with its index");

	ok(ue_node_at("d/b", &n) == 0 && n.layer == 2 && !n.indexed, "a lower name of a file not copied up is the lower's");
	ok(ue_index_path(fx_path("L2", "a"), idx, sizeof idx) == 0 && ue_index_path(fx_path("L2", "d/b"), v, 0) < 0,
	   "the index names the file by its handle");
	ok(resolve_rel(&p, "a") == 0 && ue_op_change_prepare(&p, 0) == 0, "copy-up of a");
	ok(lstat(idx, &ist) == 0 && ist.st_nlink == 2 && lstat(fx_path("U", "a"), &st) == 0 && st.st_ino == ist.st_ino,
	   "the index entry and the upper name are one file");
	long vl = lgetxattr(idx, "user.overlay.nlink", v, sizeof v - 1);
	ok(vl > 0 && (v[vl] = '\0', !strcmp(v, "U+0")), "its union link count: the upper's + 0 (%s)", vl > 0 ? v : "none");
	ok(ue_node_at("d/b", &n) == 0 && n.layer == 2 && n.indexed, "the other name, still the lower's, shows the index entry");
	ok(resolve_rel(&p, "d/b") == 0 && !strcmp(p.real, idx), "and resolves to it");
	ok(lstat(fx_path("L2", "a"), &st) == 0 && n.origin_ino == (ue_cfg.one_dev ? (uint64_t)st.st_ino : 0),
	   "keeping the lower's inode number where the layers share a filesystem");
	ok(ue_index_nlink(idx, ist.st_nlink) == 2, "the union counts two names");
	ok(resolve_rel(&p, "d/b") == 0 && ue_op_change_prepare(&p, 0) == 0, "copy-up of d/b");
	ok(lstat(idx, &ist) == 0 && ist.st_nlink == 3 && lstat(fx_path("U", "d/b"), &st) == 0 && st.st_ino == ist.st_ino,
	   "links the same entry");
	ok(ue_index_nlink(idx, ist.st_nlink) == 2, "the union still counts two");
	ok(resolve_rel(&p, "a") == 0 && ue_op_unlink(&p) == 0 && lstat(idx, &ist) == 0 &&
	   ue_index_nlink(idx, ist.st_nlink) == 1, "an unlink of one name leaves one");
	ok(resolve_rel(&p, "d/b") == 0 && ue_op_unlink(&p) == 0 && lstat(idx, &ist) < 0,
	   "the last name's unlink takes the index entry with it (the kernel's ovl_cleanup_index)");

	/* A triple: one lower name removed before any copy-up.  The entry's
	 * own count is then 1 (the index alone), the record counts two. */
	ok(link(fx_path("L2", "one"), fx_path("L2", "t2")) == 0 && link(fx_path("L2", "one"), fx_path("L2", "d/t3")) == 0,
	   "a lower file with three names");
	ue_changed("", 1);
	ok(resolve_rel(&p, "t2") == 0 && ue_op_unlink(&p) == 0 && ue_index_path(fx_path("L2", "one"), idx, sizeof idx) == 0 &&
	   lstat(idx, &ist) == 0 && ist.st_nlink == 1, "an unlink of a lower name leaves the entry alone upstairs");
	ok(ue_index_nlink(idx, ist.st_nlink) == 2, "whose record still counts the two lower names");
	ok(ue_node_at("d/t3", &n) == 0 && n.indexed, "which show it");
	ok(ue_node_at("single", &n) == 0 && n.layer == 2 && !n.indexed, "a file with one name is the lower's");
	ok(resolve_rel(&p, "single") == 0 && ue_op_change_prepare(&p, 0) == 0 && lstat(fx_path("U", "single"), &st) == 0 &&
	   st.st_nlink == 1, "is copied alone");
	fx_teardown();
}
