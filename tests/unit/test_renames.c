/* core/renames.c: the shared log of directory renames, which a path
 * resolved before them is followed through. */
#include "cache.h"
#include "renames.h"
#include "tap.h"
#include "tests.h"

#include <stdio.h>
#include <string.h>

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

void test_renames(void)
{
	test_log();
}
