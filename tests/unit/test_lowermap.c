/* core/lowermap.c: where the lower directories of renamed merged
 * directories went (shared beside the change ring), so that a directory
 * fd or current directory left in a lower one is named where it went. */
#include "cache.h"
#include "lowermap.h"
#include "tap.h"
#include "tests.h"

#include <stdio.h>
#include <string.h>

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

void test_lowermap(void)
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

