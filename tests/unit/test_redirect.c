/* core/redirect.c: the kernel's redirect_dir and metacopy followed. */
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
