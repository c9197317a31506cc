/* core/nodecache.c: lookups kept, dropped by the change events. */
#include "cache.h"
#include "fixture.h"
#include "lookup.h"
#include "ops.h"
#include "resolve.h"
#include "state.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
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

/* A thread that looks up rel, waits while another thread takes the
 * table's lock, and looks it up again (found: 1, 0, or -1 not yet). */
struct locked_look {
	const char *rel;
	pthread_barrier_t primed, locked;
	_Atomic int found;
};

static void *look_twice(void *arg)
{
	struct locked_look *l = arg;
	struct ue_node c;
	ue_cache_find(l->rel, &c);
	pthread_barrier_wait(&l->primed);
	pthread_barrier_wait(&l->locked);
	l->found = ue_cache_find(l->rel, &c);
	return NULL;
}

/* Whether a thread that found rel once finds it again while the table's
 * lock is held elsewhere: -1 when the second look waited for the lock. */
static int found_while_table_locked(const char *rel)
{
	struct locked_look l = { .rel = rel, .found = -1 };
	pthread_t t;
	pthread_barrier_init(&l.primed, NULL, 2);
	pthread_barrier_init(&l.locked, NULL, 2);
	if (pthread_create(&t, NULL, look_twice, &l) != 0)
		return -2;
	pthread_barrier_wait(&l.primed);
	ue_lock(UE_LOCK_NODECACHE);
	pthread_barrier_wait(&l.locked);
	for (int i = 0; i < 2000 && l.found < 0; i++)
		usleep(1000);
	int found = l.found;
	ue_unlock(UE_LOCK_NODECACHE);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&l.primed);
	pthread_barrier_destroy(&l.locked);
	return found;
}

/* A directory a thread found is kept in its slots, as a file is in its
 * one: a walk's directories, asked for at every name below them, cost no
 * wait for the table's lock; a name the table never held costs none
 * either. */
static void test_dir_slots(void)
{
	static const char *const t[] = { "L1 d d", "L1 f d/f x", "L1 d e", NULL };
	fx_setup(1, t);
	struct ue_node n, c;
	ue_node_at("d/f", &n);
	ok(found_while_table_locked("d") == 1, "a directory a thread found is found again without the table's lock");
	ok(found_while_table_locked("nothing-here") == 0, "a name the table never held is missed without its lock");
	ok(ue_cache_find("d", &c) && S_ISDIR(c.type) && c.layer == 1, "...and the slot holds the directory's node");
	ue_changed("d/f", 0);
	ok(ue_cache_find("d", &c), "a change below it leaves the slot");
	ue_changed("d", 0);
	ok(!ue_cache_find("d", &c), "a change at its name ends it (and the table's entry)");
	ue_node_at("d", &n);
	ue_node_at("e", &n);
	ok(ue_cache_find("d", &c) && ue_cache_find("e", &c), "two directories held at once");
	ue_changed("", 1);
	ok(!ue_cache_find("d", &c) && !ue_cache_find("e", &c), "a change of a whole subtree ends them");
	ue_node_at("d", &n);
	ue_cache_reset();
	ok(!ue_cache_find("d", &c), "a reset ends them");
	ue_node_at("d", &n);
	for (int i = 0; i < 9; i++) {
		char name[16];
		snprintf(name, sizeof name, "other%d", i);
		ue_changed(name, 0);
	}
	ok(ue_cache_find("d", &c), "more changes than a slot reads through: the table answers");
	ok(found_while_table_locked("d") == 1, "...and the slot holds it again");
	fx_teardown();
}

void test_nodecache(void)
{
	test_leaf_slot();
	test_dir_slots();

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
