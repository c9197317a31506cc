/* The kernel's index as the layer tools read it (layerindex.h). */
#include "layerindex.h"
#include "layerpath.h"
#include "origin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Whether one of the canonical paths a and b holds the other. */
static int nested(const char *a, const char *b)
{
	return ue_path_under(a, b, strlen(b)) || ue_path_under(b, a, strlen(a));
}

static char *canon(const char *what, const char *given)
{
	char *r = realpath(given, NULL);
	if (!r)
		ue_die("%s '%s': %s", what, given, strerror(errno));
	return r;
}

/* An ext4-style entry name: an overlay file handle (version 0, magic 0xfb,
 * 29 bytes) of type FILEID_INO32_GEN, whose fid starts with the inode
 * number.  1 and the number, or 0. */
static int entry_ino(const char *name, uint32_t *ino)
{
	static const char head[] = "00fb1d";
	unsigned char fid[4];
	if (strlen(name) != 2 * 29 || strncmp(name, head, 6) || strncmp(name + 8, "01", 2))
		return 0;
	for (int i = 0; i < 4; i++) {
		unsigned v;
		if (sscanf(name + 2 * (21 + i), "%2x", &v) != 1)
			return 0;
		fid[i] = (unsigned char)v;
	}
	memcpy(ino, fid, sizeof *ino);   /* as the handle holds it: this machine's order */
	return 1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

void lindex_open(struct lindex *x, const char *work, const char *upper, const char *lowers)
{
	x->fd = -1;
	x->nent = 0;
	x->inos = NULL;
	if (!work)
		return;
	struct stat ws, us;
	if (stat(work, &ws) < 0)
		ue_die("work '%s': %s", work, strerror(errno));
	if (!S_ISDIR(ws.st_mode))
		ue_die("work '%s' is not a directory", work);
	if (stat(upper, &us) < 0)
		ue_die("upper '%s': %s", upper, strerror(errno));
	char *w = canon("work", work), *u = canon("upper", upper);
	if (nested(w, u))
		ue_die("work '%s' and upper '%s' must not hold one another", w, u);
	if (lowers) {
		char *s = xstrdup(lowers), *save = NULL;
		for (char *t = strtok_r(s, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
			char *l = canon("lower", t);
			if (strcmp(l, "/") && ue_path_under(w, l, strlen(l)))
				ue_die("work '%s' is inside lower '%s'", w, l);
			if (ue_path_under(l, w, strlen(w)))
				ue_die("lower '%s' is inside work '%s'", l, w);
			free(l);
		}
		free(s);
	}
	/* The entries are hard links of the upper's files. */
	if (ws.st_dev != us.st_dev)
		ue_die("work '%s' is not on the upper's filesystem", work);
	int wfd = open(w, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wfd < 0)
		ue_die("work '%s': %s", work, strerror(errno));
	x->fd = openat(wfd, "index", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->fd < 0 && errno != ENOENT)
		ue_die("work '%s': '%s/index': %s", work, w, strerror(errno));
	close(wfd);
	free(w);
	free(u);
	if (x->fd < 0)
		return;  /* a union run without links to keep: nothing indexed */
	int dup_fd = dup(x->fd);
	DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
	if (!d)
		ue_die("work '%s': index: %s", work, strerror(errno));
	size_t cap = 0;
	int by_ino = 1;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		uint32_t ino;
		if (by_ino)
			by_ino = entry_ino(e->d_name, &ino);
		if (by_ino) {
			if ((size_t)x->nent == cap)
				x->inos = xrealloc(x->inos, (cap = cap ? 2 * cap : 64) * sizeof *x->inos);
			x->inos[x->nent] = ino;
		}
		x->nent++;
	}
	closedir(d);
	if (!by_ino || !x->nent) {
		free(x->inos);
		x->inos = NULL;
	} else {
		qsort(x->inos, (size_t)x->nent, sizeof *x->inos, cmp_u32);
	}
}

void lindex_close(struct lindex *x)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	free(x->inos);
	x->inos = NULL;
}

int lindex_find(const struct lindex *x, int dfd, const char *name, const struct stat *st, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char fb[UE_ORIGIN_FB_MAX];
	if (x->fd < 0 || !x->nent || !S_ISREG(st->st_mode) || st->st_nlink < 2)
		return 0;
	long n = ue_origin_fb(fdpath(dfd, name), fb);
	if (n <= 0)
		return 0;
	for (long i = 0; i < n; i++) {
		hex[2 * i] = digits[fb[i] >> 4];
		hex[2 * i + 1] = digits[fb[i] & 15];
	}
	hex[2 * n] = '\0';
	struct stat ist;
	return fstatat(x->fd, hex, &ist, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(ist.st_mode);
}

struct lwalk {
	const struct lindex *x;
	struct pbuf path;
	lindex_cb cb;
	void *ctx;
	size_t found;
};

/* The directory at w->path: the upper's listing U of ufd (NULL: the upper
 * has no directory here) over the lowers low. */
static void walk(struct lwalk *w, int ufd, const struct ldir *U, const struct mdir *low)
{
	const char **names;
	size_t n = mdir_names(low, &names);
	for (size_t i = 0; i < n; i++) {
		struct lent *e, *u = U ? ldir_find(U, names[i]) : NULL;
		int li = mdir_lookup(low, names[i], &e);
		if (li < 0)
			continue;
		/* A name of the upper is its own (the copied-up names are links
		 * of the entry already); only a directory merges further. */
		if (u && (u->kind == K_WHITEOUT || u->dtype != DT_DIR || e->dtype != DT_DIR))
			continue;
		size_t old = pb_push(&w->path, names[i]);
		if (e->dtype == DT_DIR) {
			int cfd = -1;
			struct ldir cu = { 0 };
			if (u) {
				cfd = open_dir(ufd, u->raw);
				int r = cfd < 0 ? cfd : ldir_read(cfd, &cu);
				if (r < 0)
					ue_die("%s: %s", w->path.s, strerror(-r));
			}
			/* Opaque: no lower below.  Redirected: the lowers are
			 * elsewhere (not followed here; docs/design.md). */
			if (!u || (!cu.opaque && !cu.redirect)) {
				struct mdir child;
				int r = mdir_child(low, names[i], &child);
				if (r < 0)
					ue_die("%s (lower): %s", w->path.s, strerror(-r));
				walk(w, cfd, u ? &cu : NULL, &child);
				mdir_free(&child);
			}
			if (u) {
				ldir_free(&cu);
				close(cfd);
			}
		} else if (e->dtype == DT_REG && (!w->x->inos || bsearch(&(uint32_t){ (uint32_t)e->ino }, w->x->inos,
		                                    (size_t)w->x->nent, sizeof *w->x->inos, cmp_u32))) {
			struct stat st;
			char hex[LINDEX_NAME_MAX + 1];
			if (fstatat(low->fd[li], e->raw, &st, AT_SYMLINK_NOFOLLOW) < 0)
				ue_die("%s (lower): %s", w->path.s, strerror(errno));
			if (lindex_find(w->x, low->fd[li], e->raw, &st, hex)) {
				struct lindex_name ln = { w->path.s, low->fd[li], e->raw, hex };
				w->cb(w->ctx, &ln);
				w->found++;
			}
		}
		pb_pop(&w->path, old);
	}
	free(names);
}

size_t lindex_lower_names(const struct lindex *x, int ufd, const struct mdir *lowers, lindex_cb cb, void *ctx)
{
	if (x->fd < 0 || !x->nent || !lowers || !lowers->n)
		return 0;
	struct lwalk w = { .x = x, .cb = cb, .ctx = ctx };
	struct ldir U;
	int r = ldir_read(ufd, &U);
	if (r < 0)
		ue_die("upper: %s", strerror(-r));
	pb_init(&w.path, "");
	walk(&w, ufd, &U, lowers);
	pb_free(&w.path);
	ldir_free(&U);
	return w.found;
}
