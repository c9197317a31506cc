/* core/nodecache.c: lookups kept, dropped by the change events. */
#include "cache.h"
#include "fixture.h"
#include "lookup.h"
#include "ops.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct look { const char *rel; int found; };

static void *find_in_thread(void *arg)
{
	struct look *l = arg;
	struct ue_node c;
	l->found = ue_cache_find(l->rel, &c);
	return NULL;
}

/* Does a thread other than the one that looked it up find rel cached? */
static int found_by_another_thread(const char *rel)
{
	struct look l = { rel, -1 };
	pthread_t t;
	if (pthread_create(&t, NULL, find_in_thread, &l) != 0)
		return -1;
	pthread_join(t, NULL);
	return l.found;
}

static unsigned long table_entries(void)
{
	struct ue_cache_stats s;
	ue_cache_stats(&s);
	return s.entries;
}

/* A file's node is kept in the looking thread's slot; the table takes it
 * when it is looked up again after other names; directories go to the
 * table at once. */
static void test_leaf_slot(void)
{
	static const char *const t[] = { "L1 f f x", "L1 g f y", "L1 d d", NULL };
	fx_setup(1, t);
	struct ue_node n, c;
	ue_node_at("", &n);
	unsigned long before = table_entries();
	ue_node_at("f", &n);
	ok(ue_cache_find("f", &c) && c.layer == 1 && S_ISREG(c.type), "a file just looked up is found by its thread");
	ok(table_entries() == before, "...from the thread's slot, not the table");
	ok(found_by_another_thread("f") == 0, "another thread does not find it");
	ue_node_at("d", &n);
	ok(table_entries() == before + 1 && found_by_another_thread("d") == 1, "a directory goes to the table");
	ue_node_at("g", &n);
	ok(!ue_cache_find("f", &c), "the slot holds the last file only");
	ue_node_at("f", &n);
	ok(found_by_another_thread("f") == 1, "a file looked up again after others goes to the table");
	ok(found_by_another_thread("g") == 0 && ue_cache_find("g", &c) == 1, "...and leaves the slot as it was");
	ue_cache_reset();
	ue_node_at("nope", &n);
	ok(ue_cache_find("nope", &c) && !ue_node_exists(&c), "a missing name is kept in the slot too");
	ue_cache_reset();
	ok(!ue_cache_find("nope", &c), "a reset empties the slot");
	ue_node_at("nope", &n);
	ue_changed("elsewhere", 0);
	ok(ue_cache_find("nope", &c), "a change at another name leaves the slot");
	ue_changed("nope", 0);
	ok(!ue_cache_find("nope", &c), "a change at its name ends it");
	ue_node_at("nope", &n);
	ue_changed("", 1);
	ok(!ue_cache_find("nope", &c), "so does a change of a whole subtree");
	unsigned long mark = ue_cache_mark();
	ue_changed("elsewhere", 0);
	ue_cache_put("put-across-a-change", &n, mark);
	ok(!ue_cache_find("put-across-a-change", &c), "a file's node computed across a change elsewhere is kept in no slot");
	ue_node_at("nope2", &n);  /* "nope" is a recent name now: the table's */
	for (int i = 0; i < 9; i++) {
		char name[16];
		snprintf(name, sizeof name, "other%d", i);
		ue_changed(name, 0);
	}
	ok(!ue_cache_find("nope2", &c), "and more changes than the slot reads through");
	fx_teardown();
}

void test_nodecache(void)
{
	test_leaf_slot();

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
