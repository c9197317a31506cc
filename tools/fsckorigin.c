/* unionenv fsck: the origins a directory of the upper holds for its
 * symlinks and special files (core/dirorigin.h).  A record is stale when
 * its name is no entry of the directory, or a regular file or directory
 * (they hold their own origin), or another inode than the one it was
 * written for (the entry was replaced behind the union's back: a kernel
 * mount's rename or unlink, a crash between a rename and its record's
 * move).  A stale record changes nothing the union shows; --repair drops
 * it.  The kernel ignores every record. */
#include "dirorigin.h"
#include "fsck.h"
#include "markers.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

/* The xattr names of the directory fd (malloc'd, *n bytes), or NULL. */
static char *xattr_names(int fd, ssize_t *n)
{
	for (int turn = 0; turn < 4; turn++) {
		ssize_t size = flistxattr(fd, NULL, 0);
		if (size <= 0)
			return NULL;
		char *list = xmalloc((size_t)size);
		if ((*n = flistxattr(fd, list, (size_t)size)) >= 0)
			return list;
		free(list);
		if (errno != ERANGE)
			return NULL;
	}
	return NULL;
}

/* Why the record of name (the xattr attr of the directory fd) is stale,
 * or NULL when it is the entry's. */
static const char *stale(int fd, const struct ldir *d, const char *name, const char *attr)
{
	unsigned char v[1024];
	const struct lent *e = ldir_find(d, name);
	if (!e || e->kind != K_REAL)
		return "names no entry";
	if (e->dtype == DT_DIR)
		return "names a directory";
	if (e->dtype == DT_REG)
		return "names a regular file";
	ssize_t n = fgetxattr(fd, attr, v, sizeof v);
	if (n < 0)
		return "unreadable";
	return ue_dirorigin_valid_at(fd, e->raw, v, n) == 0 ? "names another file than the one it was written for" : NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void fsck_dir_origins(struct fctx *c, int fd, const struct ldir *d)
{
	const char *prefix = UE_OVL_USER(ORIGIN_OF);
	size_t pl = strlen(prefix), nrec = 0;
	ssize_t n = 0;
	char *list = xattr_names(fd, &n);
	if (!list)
		return;
	/* The records in name order (the filesystem lists them in its own). */
	char **rec = xmalloc(((size_t)n / 2 + 1) * sizeof *rec);
	for (char *s = list; s < list + n; s += strlen(s) + 1)
		if (strncmp(s, prefix, pl) == 0)
			rec[nrec++] = s;
	qsort(rec, nrec, sizeof *rec, by_name);
	for (size_t i = 0; i < nrec; i++) {
		const char *why = stale(fd, d, rec[i] + pl, rec[i]);
		if (!why)
			continue;
		int ok = c->repair && fremovexattr(fd, rec[i]) == 0;
		report(c, rec[i] + pl, ok, "stale origin record (%s on its directory): %s", rec[i], why);
	}
	free(rec);
	free(list);
}
