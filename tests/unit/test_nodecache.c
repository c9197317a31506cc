/* core/nodecache.c: lookups kept, dropped by the change events. */
#include "cache.h"
#include "fixture.h"
#include "lookup.h"
#include "ops.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void test_nodecache(void)
{
	static const char *const t[] = { "L1 f f x", NULL };
	fx_setup(1, t);
	struct ue_node n, c;
	ue_node_at("f", &n);
	ok(ue_cache_find("f", &c) && c.layer == 1, "lookup result cached");
	ue_changed("f", 0);
	ok(!ue_cache_find("f", &c), "a change event drops the entry");
	unsigned long mark = ue_cache_mark();
	ue_changed("other", 0);
	ue_cache_put("f", &n, mark);
	ok(!ue_cache_find("f", &c), "a result computed across a change is not kept");
	ue_node_at("f", &n);
	ue_changed("", 1);
	ok(!ue_cache_find("f", &c), "a subtree event flushes");
	for (int i = 0; i < 2000; i++)
		ue_changed("x", 0);
	ue_node_at("f", &n);
	ok(ue_cache_find("f", &c), "cache works again after the ring wrapped");
	struct ue_cache_stats s;
	ue_cache_stats(&s);
	ok(s.flushes >= 2, "flushes counted");
	fx_teardown();
}
