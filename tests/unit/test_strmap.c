/* core/strmap.c: the node cache's map, open addressing with the hashes
 * beside the entries, backward-shift removal. */
#include "strmap.h"
#include "tap.h"
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
	int value;
	char key[];
};

static struct item *item_new(const char *key, int value)
{
	struct item *it = malloc(sizeof *it + strlen(key) + 1);
	it->value = value;
	strcpy(it->key, key);
	return it;
}

static struct item *get(struct ue_strmap *m, const char *key)
{
	return ue_strmap_get(m, key, strlen(key), ue_strmap_hash(key, strlen(key)));
}

static void *put(struct ue_strmap *m, struct item *it)
{
	return ue_strmap_put(m, it, ue_strmap_hash(it->key, strlen(it->key)));
}

static void *del(struct ue_strmap *m, const char *key)
{
	return ue_strmap_del(m, key, strlen(key), ue_strmap_hash(key, strlen(key)));
}

static int freed;
static void count_free(void *e)
{
	freed++;
	free(e);
}

/* Every key of 0..n-1 but those a removal took (step: every step-th). */
static int all_there(struct ue_strmap *m, int n, int step)
{
	char key[64];
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "git/d%03d/f%05d.txt", i / 100, i);
		struct item *it = get(m, key);
		int gone = step && i % step == 0;
		if (gone ? it != NULL : !it || it->value != i)
			return 0;
	}
	return 1;
}

void test_strmap(void)
{
	struct ue_strmap m = UE_STRMAP_INIT(struct item, key);
	char key[64];
	ok(get(&m, "a") == NULL && del(&m, "a") == NULL, "an empty map finds and removes nothing");
	ok(put(&m, item_new("a", 1)) == NULL && get(&m, "a")->value == 1, "put then found");
	ok(get(&m, "ab") == NULL && get(&m, "") == NULL, "a key's prefix or extension is another key");
	struct item *old = put(&m, item_new("a", 2));
	ok(old && old->value == 1 && get(&m, "a")->value == 2 && m.n == 1, "a second put replaces, the old entry given back");
	free(old);
	ok(ue_strmap_hash("abcdefgh1", 9) != ue_strmap_hash("abcdefgh2", 9) &&
	       ue_strmap_hash("a", 1) != ue_strmap_hash("a\0", 2),
	   "the bytes past a whole word and the length count in the hash");

	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "git/d%03d/f%05d.txt", i / 100, i);
		free(put(&m, item_new(key, i)));
	}
	ok(m.n == 20001 && m.cap >= 2 * m.n, "20,000 keys: grown, at most half full");
	ok(all_there(&m, 20000, 0), "each found with its value");
	for (int i = 0; i < 20000; i += 3) {
		snprintf(key, sizeof key, "git/d%03d/f%05d.txt", i / 100, i);
		free(del(&m, key));
	}
	ok(all_there(&m, 20000, 3), "after removing every third, the others are found, the removed not");
	/* Removal in a full neighbourhood: many keys on a small table wrap
	 * around its end; each removal must keep every probe unbroken. */
	struct ue_strmap small = UE_STRMAP_INIT(struct item, key);
	for (int i = 0; i < 31; i++) {
		snprintf(key, sizeof key, "k%d", i);
		put(&small, item_new(key, i));
	}
	int good = small.cap == 64;
	for (int i = 0; i < 31; i += 2) {
		snprintf(key, sizeof key, "k%d", i);
		free(del(&small, key));
		for (int j = 0; j < 31; j++) {
			snprintf(key, sizeof key, "k%d", j);
			struct item *it = get(&small, key);
			if ((j <= i && j % 2 == 0) ? it != NULL : !it || it->value != j)
				good = 0;
		}
	}
	ok(good, "removals one by one in a crowded table keep the others findable");
	freed = 0;
	size_t cap = m.cap;
	ue_strmap_clear(&m, count_free);
	ok(freed == 20001 - 6667 && m.n == 0 && m.cap == cap && get(&m, "a") == NULL, "cleared: each entry given to fn once, the slots kept");
	ok(put(&m, item_new("b", 3)) == NULL && get(&m, "b")->value == 3, "usable after clearing");
	ue_strmap_clear(&m, free);
	ue_strmap_clear(&small, free);
	free(m.slot);
	free(small.slot);
	ue_strmap_abandon(&m);
	ok(m.cap == 0 && get(&m, "b") == NULL, "abandoned: empty, the slots not read");
}
