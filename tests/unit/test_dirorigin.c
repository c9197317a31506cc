/* Origins held by the directory (core/dirorigin.h): a copied-up lower
 * symlink keeps its inode number through copy-up, renames (across
 * directories, of its directory, exchanged) and link; a symlink made anew
 * at the name of a removed one does not inherit it; a record left behind
 * names nothing. */
#include "config.h"
#include "dirorigin.h"
#include "fixture.h"
#include "lookup.h"
#include "ops.h"
#include "readdir.h"
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

static const char *const tree[] = {
	"L1 l s t", "L1 l u t2", "L1 d d", "L1 f d/f ff", "L2 d d", "L2 f d/g gg", "L1 d e", NULL
};

static struct ue_path A, B;

/* The inode number the union shows at rel (0: none). */
static unsigned long union_ino(const char *rel)
{
	struct ue_node n;
	char real[4096];
	struct stat st;
	if (ue_node_at(rel, &n) < 0 || !ue_node_exists(&n))
		return 0;
	if (n.origin_ino)
		return n.origin_ino;
	return ue_node_real(real, sizeof real, &n, n.layer, rel) == 0 && lstat(real, &st) == 0 ? st.st_ino : 0;
}

/* Whether the upper directory dir holds a record for name. */
static int recorded(const char *dir, const char *name)
{
	char key[300];
	return ue_dirorigin_key(key, sizeof key, name) == 0 && lgetxattr(fx_path("U", dir), key, NULL, 0) > 0;
}

/* d_ino of name in the union directory rel. */
static unsigned long listed_ino(const char *rel, const char *name)
{
	struct ue_node n;
	struct ue_dirlist l;
	unsigned long ino = 0;
	if (ue_node_at(rel, &n) < 0 || ue_dir_list(rel, &n, &l) < 0)
		return 0;
	for (size_t i = 0; i < l.n; i++)
		if (!strcmp(l.ent[i]->name, name))
			ino = l.ent[i]->ino;
	ue_dir_free(&l);
	return ino;
}

void test_dirorigin(void)
{
	struct stat st;
	char key[300], longname[300];
	fx_setup(2, tree);
	if (!ue_cfg.one_dev) {
		ok(1, "# SKIP the layers are not on one filesystem: no inode numbers kept");
		fx_teardown();
		return;
	}
	ok(lstat(fx_path("L1", "s"), &st) == 0, "a lower symlink s");
	unsigned long s_ino = st.st_ino;
	ok(lstat(fx_path("L1", "u"), &st) == 0, "and u");
	unsigned long u_ino = st.st_ino;

	ok(ue_op_change_prepare(fx_at(&A, "s"), 0) == 0 && fx_type("U", "s") == 'l', "copy-up of s (as lchown does)");
	ok(recorded("", "s"), "records its origin on the upper's directory");
	ok(union_ino("s") == s_ino, "s keeps the lower's inode number");
	ok(listed_ino("", "s") == s_ino, "and readdir's d_ino says the same");

	ok(ue_op_rename(fx_at(&A, "s"), fx_at(&B, "d/r"), 0) == 0, "rename s to d/r (another directory, merged)");
	ok(!recorded("", "s") && recorded("d", "r"), "the record moved with the name");
	ok(union_ino("d/r") == s_ino && listed_ino("d", "r") == s_ino, "d/r is still the lower's s");
	ok(ue_op_rename(fx_at(&A, "d/r"), fx_at(&B, "d/r2"), 0) == 0 && union_ino("d/r2") == s_ino, "a second rename keeps it");
	ok(ue_op_rename(fx_at(&A, "d"), fx_at(&B, "e/d2"), 0) == 0 && union_ino("e/d2/r2") == s_ino,
	   "so does a rename of its directory (copied up whole)");
	ok(union_ino("e/d2/g") != 0, "beside the directory's other names");

	ok(ue_op_rename(fx_at(&A, "e/d2/r2"), fx_at(&B, "u"), RENAME_EXCHANGE) == 0, "exchange with the lower symlink u");
	ok(union_ino("u") == s_ino && union_ino("e/d2/r2") == u_ino, "the two swap their identities");

	ok(ue_op_link(fx_at(&A, "u"), fx_at(&B, "w")) == 0 && recorded("", "w"), "a hard link of u records the new name too");
	ok(union_ino("w") == s_ino && listed_ino("", "w") == s_ino, "both names show one inode number");

	ok(ue_op_unlink(fx_at(&A, "u")) == 0 && !recorded("", "u"), "unlink of u drops its record");
	ok(union_ino("w") == s_ino, "the other name keeps it");
	ok(ue_op_symlink("t", fx_at(&A, "u")) == 0 && lstat(fx_path("U", "u"), &st) == 0, "a new symlink u");
	ok(union_ino("u") == st.st_ino, "is a new file: its own inode number, not the old one's");

	/* A record left behind (a kernel's rename, a crash) is not the entry's. */
	char v[600];
	ok(ue_dirorigin_key(key, sizeof key, "w") == 0, "the record of w");
	ssize_t vl = lgetxattr(fx_path("U", ""), key, v, sizeof v);
	ok(vl > 0 && ue_dirorigin_key(key, sizeof key, "u") == 0 && lsetxattr(fx_path("U", ""), key, v, (size_t)vl, 0) == 0,
	   "copied under u's name by hand");
	ok(ue_dirorigin_ino(fx_path("U", "u")) == 0, "names another inode: ignored");
	ok(ue_dirorigin_ino(fx_path("U", "w")) == s_ino, "while w's still holds");

	memset(longname, 'n', 250);
	longname[250] = '\0';
	ok(ue_dirorigin_key(key, sizeof key, longname) == -ENAMETOOLONG, "a name too long for an xattr name gets no record");
	ok(ue_dirorigin_kind(S_IFLNK) && ue_dirorigin_kind(S_IFIFO) && !ue_dirorigin_kind(S_IFREG) &&
	   !ue_dirorigin_kind(S_IFDIR), "symlinks and special files keep theirs on the directory");
	ok(lstat(fx_path("L1", "s"), &st) == 0 && st.st_ino == s_ino && fx_type("L1", "u") == 'l', "the lowers are untouched");
	fx_teardown();
}
