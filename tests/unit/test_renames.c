#include "cache.h"
#include "fixture.h"
#include "lowermap.h"
#include "ops.h"
#include "renames.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* rel after the renames posted since mark. */
static const char *follow(const char *rel, uint64_t mark, int *lost)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s", rel);
	*lost = 0;
	if (ue_renames_apply(buf, sizeof buf, &mark, ue_renames_head(), lost) < 0)
		return "(error)";
	return buf;
}

static void test_log(void)
{
	int lost;
	ue_cache_reset();
	uint64_t m0 = ue_renames_head();
	is_int(m0, 0, "a new log is empty");
	ue_renamed("d", "e", 0);
	is_str(follow("d/sub/x", m0, &lost), "e/sub/x", "a path below the renamed directory moves");
	is_str(follow("d", m0, &lost), "e", "the directory itself moves");
	is_str(follow("dd/x", m0, &lost), "dd/x", "a name that only begins the same stays");
	is_str(follow("e/x", m0, &lost), "e/x", "the new name is not renamed again");
	uint64_t m1 = ue_renames_head();
	ue_renamed("e", "f/g", 0);
	is_str(follow("d/x", m0, &lost), "f/g/x", "two renames, in order");
	is_str(follow("e/x", m1, &lost), "f/g/x", "from a mark: only the later ones");
	ok(!lost, "nothing lost");
	ue_renamed("f/g", "d", 0);
	is_str(follow("d/x", m0, &lost), "d/x", "renamed back");
	uint64_t m2 = ue_renames_head();
	ue_renamed("a", "b", 1);
	is_str(follow("a/x", m2, &lost), "b/x", "exchange: one way");
	is_str(follow("b", m2, &lost), "a", "exchange: the other way");

	char lng[UE_RENAME_PATH + 8];
	memset(lng, 'x', sizeof lng - 1);
	lng[sizeof lng - 1] = '\0';
	uint64_t m3 = ue_renames_head();
	ue_renamed(lng, "y", 0);
	follow("q", m3, &lost);
	ok(lost, "a name too long for the log: lost, never half applied");

	uint64_t m4 = ue_renames_head();
	for (int i = 0; i < UE_RENAME_SLOTS + 10; i++)
		ue_renamed("p", "q", 0);
	follow("z", m4, &lost);
	ok(lost, "more renames than the log holds: lost");
	ue_cache_reset();
	follow("z", m4, &lost);
	ok(lost, "a log started again (replaced): lost");
}

static const char *const tree[] = {
	"L1 d d", "L1 f d/a a", "L1 d d/sub", "L2 d d", "L2 f d/b b", "L1 d k", NULL
};

static const char *in(const char *rel)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s/%s", fx_mount(), rel);
	return buf;
}

static struct ue_path *at(struct ue_path *p, const char *rel)
{
	if (ue_resolve(AT_FDCWD, in(rel), 0, p) < 0)
		p->where = -1;
	return p;
}

static void test_follow(void)
{
	struct ue_path a, b;
	char v[4096], real[4096], want[4096];
	int here = open(".", O_RDONLY | O_DIRECTORY);
	fx_setup(2, tree);
	is_int(ue_cwd_change(fx_path("L1", "d/sub"), in("d/sub"), ue_renames_head()), 0, "cd into a lower directory");
	is_int(ue_op_rename(at(&a, "d"), at(&b, "e"), 0), 0, "rename its merged parent");
	is_int(ue_cwd_get(v, sizeof v), 0, "getcwd");
	is_str(v, in("e/sub"), "the current directory follows at once");
	ok(getcwd(real, sizeof real) && !strcmp(real, fx_path("U", "e/sub")),
	   "the kernel's moved to the copied-up directory (children start there)");
	is_int(ue_unreal(v, sizeof v, fx_path("L2", "d")), 0, "unreal");
	is_str(v, in("e"), "a lower directory left behind is named where it went");
	ue_unreal(v, sizeof v, fx_path("L1", "d/sub"));
	is_str(v, in("e/sub"), "... and below it");
	ue_unreal(v, sizeof v, fx_path("L1", "k"));
	is_str(v, in("k"), "a lower directory not renamed keeps its name");

	is_int(ue_op_rename(at(&a, "e"), at(&b, "k/f"), 0), 0, "rename the copy again (a directory of the upper)");
	ue_cwd_get(v, sizeof v);
	is_str(v, in("k/f/sub"), "the current directory follows again");
	ue_unreal(v, sizeof v, fx_path("L2", "d"));
	is_str(v, in("k/f"), "the lower directory follows both renames");

	/* Another process renamed: only the shared memory tells us. */
	ue_cwd_change(fx_path("U", "k/f/sub"), in("k/f/sub"), ue_renames_head());
	rename(fx_path("U", "k/f"), fx_path("U", "g"));
	ue_lowermap_renamed(UE_CACHE_ALONE, "k/f", "g", 0, 0, 0);
	ue_renamed("k/f", "g", 0);
	ue_cwd_get(v, sizeof v);
	is_str(v, in("g/sub"), "a rename posted by another process is followed");

	/* Renames lost (more than the log holds): the kernel knows where an
	 * upper directory went, the map where a lower one went. */
	rename(fx_path("U", "g"), fx_path("U", "h"));
	ue_lowermap_renamed(UE_CACHE_ALONE, "g", "h", 0, 0, 0);
	for (int i = 0; i < UE_RENAME_SLOTS + 1; i++)
		ue_renamed("x", "y", 0);
	ue_cwd_get(v, sizeof v);
	is_str(v, in("h/sub"), "after lost renames, the kernel's directory names it");
	snprintf(want, sizeof want, "%s", fx_path("L1", "d"));
	ue_unreal(v, sizeof v, want);
	is_str(v, in("h"), "after lost renames, a lower directory is named where it went");
	fx_teardown();
	if (here >= 0) {
		fchdir(here);
		close(here);
	}
	ue_cwd_set("/");
}

/* rel through the map. */
static const char *mapped(const char *rel)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s", rel);
	ue_lowermap_find(buf, sizeof buf);
	return buf;
}

/* A rename (from and to set), a removal (from alone) or a look through
 * the map (rel set). */
static const struct map_step {
	const char *from, *to;
	int exchange, from_lower, to_lower;
	const char *rel, *want, *what;
} map_steps[] = {
	{ .rel = "d/x", .want = "d/x", .what = "an empty map moves nothing" },
	{ .from = "d", .to = "e", .exchange = 0, .from_lower = 1, .to_lower = 0 },
	{ .rel = "d/x", .want = "e/x", .what = "a merged directory's lower ones are shown at its new name" },
	{ .rel = "dd/x", .want = "dd/x", .what = "a name that only begins the same stays" },
	{ .from = "e", .to = "f", .exchange = 0, .from_lower = 0, .to_lower = 0 },
	{ .rel = "d/x", .want = "f/x", .what = "the copy renamed again: followed" },
	{ .from = "f/sub", .to = "g", .exchange = 0, .from_lower = 0, .to_lower = 0 },
	{ .rel = "d/sub/y", .want = "g/y", .what = "a part of the copy moved away: its own entry" },
	{ .rel = "d/a", .want = "f/a", .what = "the rest stays" },
	{ .from = "f/sub", .to = "h", .exchange = 0, .from_lower = 0, .to_lower = 0 },
	{ .rel = "d/sub/y", .want = "g/y", .what = "a directory made later at the part's old name is not the lower one" },
	{ .from = "p", .to = "q", .exchange = 1, .from_lower = 1, .to_lower = 1 },
	{ .rel = "p/x", .want = "q/x", .what = "exchange: one way" },
	{ .rel = "q", .want = "p", .what = "exchange: the other way" },
	{ .from = "k", .to = "f", .exchange = 0, .from_lower = 1, .to_lower = 0 },
	{ .rel = "d/a", .want = "d/a", .what = "a directory replaced by a rename: its lower ones keep their old name" },
	{ .rel = "k/z", .want = "f/z", .what = "... and the one that replaced it is shown there" },
	{ .from = "f" },
	{ .rel = "k/z", .want = "k/z", .what = "removed: not shown in a directory made later at the name" },
};

static void test_map(void)
{
	ue_cache_reset();
	for (size_t i = 0; i < sizeof map_steps / sizeof *map_steps; i++) {
		const struct map_step *t = &map_steps[i];
		if (t->from && !t->to)
			ue_lowermap_removed(t->from);
		else if (t->from)
			ue_lowermap_renamed(UE_CACHE_ALONE, t->from, t->to, t->exchange, t->from_lower, t->to_lower);
		else
			is_str(mapped(t->rel), t->want, "%s", t->what);
	}
	for (int i = 0; i < UE_LOWERMAP_SLOTS; i++) {
		char n[32];
		snprintf(n, sizeof n, "m%d", i);
		ue_lowermap_renamed(UE_CACHE_ALONE, n, "z", 0, 1, 0);
	}
	is_str(mapped("k/z"), "k/z", "a full map says nothing any more (never a wrong name)");
	ue_cache_reset();
}

void test_renames(void)
{
	test_log();
	test_map();
	test_follow();
}
