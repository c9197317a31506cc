/* core/namesort.c: a listing's entries in strcmp order of their names,
 * the first eight bytes compared as one number. */
#include "namesort.h"
#include "readdir.h"
#include "tap.h"
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ue_dirent *dirent_of(const char *name)
{
	struct ue_dirent *e = malloc(sizeof *e + strlen(name) + 1);
	e->ino = 1;
	e->type = 0;
	strcpy(e->name, name);
	return e;
}

static int by_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort n names both ways: 1 when the orders agree. */
static int agrees(char **names, size_t n)
{
	struct ue_dirent **ent = malloc(n * sizeof *ent);
	for (size_t i = 0; i < n; i++)
		ent[i] = dirent_of(names[i]);
	ue_sort_by_name(ent, n);
	qsort(names, n, sizeof *names, by_strcmp);
	int same = 1;
	for (size_t i = 0; i < n; i++) {
		same &= !strcmp(ent[i]->name, names[i]);
		free(ent[i]);
	}
	free(ent);
	return same;
}

void test_namesort(void)
{
	/* Prefixes of one another, eight bytes shared, bytes above 0x7f (a
	 * signed char would put them first), one byte to nine. */
	char *edge[] = { "abcdefgh", "abcdefg", "abcdefghi", "abcdefgha", "abcdefgh\xc3\xa9", "a", "\xc3\xa9t\xc3\xa9",
		         "Z", "abcdefgg", "abcdefgi", "abcdefg\x7f", "abcdefg\x80", "b", "ab", ".hidden", "_x", "~y" };
	ok(agrees(edge, sizeof edge / sizeof *edge), "namesort: edge names in strcmp order");
	char *one[] = { "only" };
	ok(agrees(one, 1), "namesort: one name");

	/* Random names over a small alphabet (long shared heads), sizes
	 * around the insertion sort's limit and far beyond, some in order
	 * already (a directory listed again). */
	unsigned seed = 12345;
	int all = 1;
	for (size_t n = 2; n < 3000 && all; n = n < 40 ? n + 1 : n * 3) {
		for (int presorted = 0; presorted < 2; presorted++) {
			char **names = malloc(n * sizeof *names);
			for (size_t i = 0; i < n; i++) {
				int len = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 14;
				names[i] = malloc((size_t)len + 8);
				for (int c = 0; c < len; c++)
					names[i][c] = "ab\xfe."[((seed = seed * 1103515245 + 12345) >> 16) % 4];
				snprintf(names[i] + len, 8, "%zu", i);  /* distinct, as a listing's names are */
			}
			if (presorted)
				qsort(names, n, sizeof *names, by_strcmp);
			all &= agrees(names, n);
			for (size_t i = 0; i < n; i++)
				free(names[i]);
			free(names);
		}
	}
	ok(all, "namesort: random listings of 2 to 3000 names, shuffled and in order already");
}
