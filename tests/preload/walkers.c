/* Walks a tree with each of libc's walkers and prints what it saw, one
 * line per entry, so that a run in the union can be compared with a run
 * on a plain copy of the layers. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fts.h>
#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind(mode_t m)
{
	return S_ISDIR(m) ? "d" : S_ISLNK(m) ? "l" : S_ISREG(m) ? "f" : "o";
}

static int by_name(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

static int nftw_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	printf("nftw %d %d %s %s %lld\n", flag, f->level, p, kind(st->st_mode), S_ISREG(st->st_mode) ? (long long)st->st_size : 0LL);
	return 0;
}

static int ftw_cb(const char *p, const struct stat *st, int flag)
{
	printf("ftw %d %s %s\n", flag, p, kind(st->st_mode));
	return 0;
}

static int stop_at_second(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	static int n;
	(void)p; (void)st; (void)flag; (void)f;
	return ++n == 2 ? -7 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) < 0)
		return 2;
	char *roots[] = { ".", NULL };
	FTS *fts = fts_open(roots, FTS_PHYSICAL, by_name);
	FTSENT *e;
	while (fts && (e = fts_read(fts)))
		printf("fts %d %d %s %s\n", e->fts_info, e->fts_level, e->fts_path, e->fts_info == FTS_NS ? "-" : kind(e->fts_statp->st_mode));
	fts_close(fts);
	fts = fts_open(roots, FTS_LOGICAL, by_name);
	while (fts && (e = fts_read(fts))) {
		if (e->fts_info == FTS_D && e->fts_level == 1) {
			/* Copied first: glibc's fts_children writes into fts_path. */
			char dir[4096];
			snprintf(dir, sizeof dir, "%s", e->fts_path);
			for (FTSENT *c = fts_children(fts, 0); c; c = c->fts_link)
				printf("fts_children %s %s\n", dir, c->fts_name);
			fts_set(fts, e, FTS_SKIP);
		}
	}
	fts_close(fts);
	/* Sorted output: nftw follows readdir order, which is not the same in
	 * the union (by name) and on a plain directory. */
	fflush(stdout);
	FILE *sorted = popen("LC_ALL=C sort", "w");
	if (!sorted)
		return 3;
	dup2(fileno(sorted), 1);
	nftw(".", nftw_cb, 8, FTW_PHYS);
	nftw(".", nftw_cb, 8, FTW_DEPTH | FTW_MOUNT);
	ftw(".", ftw_cb, 8);
	printf("nftw stop: %d\n", nftw(".", stop_at_second, 8, 0));
	glob_t g;
	if (glob("*/*", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			printf("glob %s\n", g.gl_pathv[i]);
		globfree(&g);
	}
	if (glob("*/", GLOB_MARK | GLOB_ONLYDIR, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			printf("globdir %s\n", g.gl_pathv[i]);
		globfree(&g);
	}
	struct dirent **list;
	int n = scandir(".", &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		printf("scandir %s\n", list[i]->d_name);
		free(list[i]);
	}
	free(list);
	fflush(stdout);
	close(1);
	return pclose(sorted) == 0 ? 0 : 4;
}
