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

static const char *const tree[] = {
	"L1 f a one", "L2 f a two", "L2 f only2 x",
	"L1 d dir", "L1 f dir/y y", "L2 d dir", "L2 f dir/x x",
	"L2 f gone g", "U w gone",
	"U d opq", "U o opq", "U f opq/new n", "L2 d opq", "L2 f opq/hidden h",
	"L1 w wh", "L2 f wh w",
	"L2 l lnk a", "L2 l up ../outside", "L2 l loop1 loop2", "L2 l loop2 loop1",
	"L2 l abs /etc", "L1 f file f",
	NULL
};

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

void test_lookup(void)
{
	fx_setup(2, tree);
	struct ue_node n;
	is_int(ue_node_at("a", &n), 0, "lookup a");
	is_int(n.layer, 1, "a: from the highest lower");
	is_int(ue_node_at("only2", &n), 0, "lookup only2");
	is_int(n.layer, 2, "only2: from the second lower");
	ue_node_at("dir", &n);
	is_int(n.stack, 6, "dir merges both lowers");
	ue_node_at("gone", &n);
	ok(!ue_node_exists(&n) && n.upper_whiteout, "whiteout in the upper hides the lower file");
	ue_node_at("opq", &n);
	is_int(n.stack, 1, "opaque upper dir stops the merge");
	ok(n.in_lower, "opaque dir still knows a lower holds its name");
	ue_node_at("opq/hidden", &n);
	ok(!ue_node_exists(&n), "name below an opaque dir is hidden");
	ue_node_at("wh", &n);
	ok(!ue_node_exists(&n) && !n.upper_whiteout, "whiteout in a lower hides the layer below it");
	is_int(ue_node_at("file/x", &n), -ENOTDIR, "below a file: ENOTDIR");
	is_int(ue_node_at("nope/x", &n), -ENOENT, "below a missing name: ENOENT");
	fx_teardown();
}

void test_resolve(void)
{
	fx_setup(2, tree);
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

void test_readdir(void)
{
	fx_setup(2, tree);
	struct ue_node n;
	struct ue_dirlist l;
	char names[512] = "";
	ue_node_at("", &n);
	is_int(ue_dir_list("", &n, &l), 0, "list the root");
	for (size_t i = 0; i < l.n; i++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s ", l.ent[i]->name);
	is_str(names, ". .. a abs dir file lnk loop1 loop2 only2 opq up ",
	       "merged, deduplicated, whiteouts hidden, sorted");
	ue_dir_free(&l);
	ue_node_at("dir", &n);
	ue_dir_list("dir", &n, &l);
	is_int(l.n, 4, "dir merges x and y");
	ue_dir_free(&l);
	ue_node_at("opq", &n);
	ue_dir_list("opq", &n, &l);
	ok(l.n == 3 && !strcmp(l.ent[2]->name, "new"), "opaque dir lists the upper only");
	ue_dir_free(&l);
	fx_teardown();
}

/* The kernel's redirect_dir and metacopy: U/e was lower d, renamed (a
 * relative redirect), U/f was p/q (absolute), U/m had its metadata alone
 * copied up; in L1, k redirects the layers below it to /p. */
static const char *const redirected[] = {
	"L1 d d", "L1 f d/a a", "L1 d d/sub", "L1 f d/sub/s s",
	"L2 d d", "L2 f d/b b", "L2 d p", "L2 d p/q", "L2 f p/q/r r", "L2 f p/top t",
	"U d e", "U x e user.overlay.redirect=d", "U w d",
	"U d f", "U x f user.overlay.redirect=/p/q",
	"U f m", "U x m user.overlay.metacopy=", "L2 f m data of m",
	"L1 d k", "L1 x k user.overlay.redirect=/p", "L1 f k/own o",
	"U d bad", "U x bad user.overlay.redirect=a/b", "L1 d bad", "L1 f bad/kept k",
	"U d up", "U x up user.overlay.redirect=..", "U d out", "U x out user.overlay.redirect=/../..",
	"U d root", "U x root user.overlay.redirect=/", "U d far", "U x far user.overlay.redirect=/nowhere/../p",
	"U f far/own o",
	NULL
};

static const char *listing(const char *rel)
{
	static char names[512];
	struct ue_node n;
	struct ue_dirlist l;
	names[0] = '\0';
	if (ue_node_at(rel, &n) < 0 || ue_dir_list(rel, &n, &l) < 0)
		return "(error)";
	for (size_t i = 2; i < l.n; i++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s ", l.ent[i]->name);
	ue_dir_free(&l);
	return names;
}

static void redirect_chains(void)
{
	char b[4096];
	int err;
	/* e moved to p/q from layer 1 on; its child c, found in layer 1, was
	 * renamed z there: from layer 2 on, c is p/q/z. */
	const struct ue_redirect *e = ue_redirect_apply(NULL, 0, "e", "/p/q", &err);
	const struct ue_redirect *c = ue_redirect_apply(e, 1, "e/c", "z", &err);
	ue_redirect_rel(b, sizeof b, c, 0, "e/c/k");
	is_str(b, "e/c/k", "chain: the upper keeps the union's name");
	ue_redirect_rel(b, sizeof b, c, 1, "e/c/k");
	is_str(b, "p/q/c/k", "chain: the layer holding the child's redirect reads the parent's");
	ue_redirect_rel(b, sizeof b, c, 2, "e/c/k");
	is_str(b, "p/q/z/k", "chain: below it, the renamed child");
	/* A parent mapped two ways (a until layer 2, b from 3): a child renamed
	 * in the upper is renamed in both. */
	const struct ue_redirect *two = ue_redirect_apply(ue_redirect_apply(NULL, 0, "e", "/a", &err), 2, "e", "/b", &err);
	const struct ue_redirect *n = ue_redirect_apply(two, 0, "e/c", "n", &err);
	ue_redirect_rel(b, sizeof b, n, 2, "e/c");
	is_str(b, "a/n", "relative redirect under a two-way parent: the upper part");
	ue_redirect_rel(b, sizeof b, n, 3, "e/c");
	is_str(b, "b/n", "relative redirect under a two-way parent: the lower part");
	ok(ue_redirect_apply(NULL, 0, "e", "/p/q", &err) == e, "records are interned");
	/* The kernel's rules, as its mount with redirect_dir=on gives them. */
	static const struct { const char *value; int err; } refused[] = {
		{ "", -EINVAL }, { "a/b", -EINVAL }, { "../../O", -EINVAL }, { "/", -EINVAL }, { "//a", -EINVAL },
		{ "/a//b", -EINVAL }, { "/a/", -EINVAL }, { "/../", -EINVAL }, { ".", -EACCES }, { "..", -EACCES },
		{ "/..", -EACCES }, { "/../x", -EACCES }, { "/a/./b", -EACCES },
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		err = 0;
		ok(!ue_redirect_apply(NULL, 0, "e", refused[i].value, &err) && err == refused[i].err,
		   "redirect '%s' refused: %d (got %d)", refused[i].value, refused[i].err, err);
	}
	ok(ue_redirect_apply(NULL, 0, "e", "/a/...", &err) != NULL && ue_redirect_apply(NULL, 0, "e", ".x", &err) != NULL,
	   "names that only begin with dots are names");
}

void test_redirect(void)
{
	fx_setup(2, redirected);
	struct ue_node n;
	char real[4096];
	redirect_chains();
	is_int(ue_node_at("e", &n), 0, "lookup a redirected dir");
	is_int(n.stack, 7, "e merges both lowers' d");
	ok(!n.in_lower, "no lower holds the name e: removing it leaves no whiteout");
	is_int(ue_node_at("e/a", &n), 0, "e/a");
	is_int(n.layer, 1, "e/a: from L1's d");
	real[0] = '\0';
	if (n.layer >= 0)
		ue_node_real(real, sizeof real, &n, n.layer, "e/a");
	is_str(real, fx_path("L1", "d/a"), "e/a's real path is d/a in L1");
	ue_node_at("e/b", &n);
	ok(n.layer == 2, "e/b: from L2's d (the redirect holds for every layer below)");
	is_int(ue_node_at("e/sub/s", &n), 0, "a name two levels below the redirect");
	ok(n.layer == 1, "e/sub/s found in L1's d/sub");
	is_str(listing("e"), "a b sub ", "readdir of a redirected dir merges d of both lowers");
	ue_node_at("d", &n);
	ok(!ue_node_exists(&n), "the old name stays hidden by its whiteout");
	ue_node_at("f/r", &n);
	ok(n.layer == 2, "absolute redirect: f/r is p/q/r");
	is_str(listing("f"), "r ", "readdir follows an absolute redirect");
	ue_node_at("k", &n);
	is_int(n.stack, 6, "a redirect in a lower: k merges L1's k and L2's p");
	is_str(listing("k"), "own q top ", "readdir below a lower's redirect");
	is_int(ue_node_at("bad", &n), -EINVAL, "a malformed redirect: the directory cannot be looked up, as on the kernel's mount");
	is_int(ue_node_at("bad/kept", &n), -EINVAL, "nor anything below it");
	is_int(ue_node_at("up", &n), -EACCES, "a redirect to '..': EACCES, as the kernel's lookup of '..'");
	is_int(ue_node_at("out", &n), -EACCES, "a redirect to '/../..': EACCES");
	is_int(ue_node_at("root", &n), -EINVAL, "a redirect to '/': malformed");
	is_int(ue_node_at("far", &n), 0, "a '..' the kernel's lookup never reaches (no lower holds 'nowhere') refuses nothing");
	ok(n.stack == 1 && !strcmp(listing("far"), "own "), "... and the directory merges nothing below");
	is_str(listing(""), "bad e f far k m out p root up ", "the root lists the refused directories, as the kernel does");
	is_int(ue_node_at("m", &n), 0, "lookup a metacopy file");
	ok(n.layer == 0 && n.data_layer == 2, "metacopy: metadata in the upper, data in L2");
	ue_node_data_real(real, sizeof real, &n, "m");
	is_str(real, fx_path("L2", "m"), "metacopy: its data path");
	ue_node_at("e/a", &n);
	ok(n.data_layer == 0, "an ordinary file has no data layer");
	fx_teardown();
	ue_redirect_reset();
}
