/* The lower layers at one path, merged as the kernel's lookup does
 * (layer.h: struct mdir). */
#include "layer.h"
#include "markers.h"
#include "override.h"
#include "progress.h"
#include "tmpname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- lowers ------------------------------------------------------------- */

static void mdir_add(struct mdir *m, int fd, struct ldir *l)
{
	m->fd = xrealloc(m->fd, (size_t)(m->n + 1) * sizeof *m->fd);
	m->l = xrealloc(m->l, (size_t)(m->n + 1) * sizeof *m->l);
	m->fd[m->n] = fd;
	m->l[m->n] = *l;
	m->n++;
}

void mdir_open_roots(struct mdir *m, const char *lowers)
{
	memset(m, 0, sizeof *m);
	if (!lowers)
		return;
	if (!*lowers)
		ue_usage("option '--lower' needs a value");
	char *s = xstrdup(lowers), *save = NULL;
	for (char *t = strtok_r(s, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		int fd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			ue_die("lower '%s': %s", t, strerror(errno));
		struct ldir l;
		int r = ldir_read(fd, &l);
		if (r < 0)
			ue_die("lower '%s': %s", t, strerror(-r));
		/* A layer's root is never opaque to the kernel. */
		mdir_add(m, fd, &l);
	}
	free(s);
}

void mdir_free(struct mdir *m)
{
	for (int i = 0; i < m->n; i++) {
		close(m->fd[i]);
		ldir_free(&m->l[i]);
	}
	free(m->fd);
	free(m->l);
	memset(m, 0, sizeof *m);
}

int mdir_lookup(const struct mdir *m, const char *name, struct lent **e)
{
	for (int i = 0; i < m->n; i++) {
		struct lent *x = ldir_find(&m->l[i], name);
		if (!x)
			continue;
		if (x->kind == K_WHITEOUT)
			return -1;
		if (e)
			*e = x;
		return i;
	}
	return -1;
}

int mdir_child(const struct mdir *m, const char *name, struct mdir *out)
{
	memset(out, 0, sizeof *out);
	struct lent *e;
	int i = mdir_lookup(m, name, &e);
	if (i < 0 || e->dtype != DT_DIR)
		return 0;
	for (; i < m->n; i++) {
		struct lent *x = ldir_find(&m->l[i], name);
		if (!x)
			continue;
		if (x->kind == K_WHITEOUT || x->dtype != DT_DIR)
			break;
		int fd = open_dir(m->fd[i], x->raw);
		if (fd < 0) {
			int r = fd;
			mdir_free(out);
			return r;
		}
		struct ldir l;
		int r = ldir_read(fd, &l);
		if (r < 0) {
			close(fd);
			mdir_free(out);
			return r;
		}
		mdir_add(out, fd, &l);
		if (l.opaque)
			break;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t mdir_names(const struct mdir *m, const char ***names)
{
	size_t n = 0, cap = 0;
	const char **v = NULL;
	for (int i = 0; i < m->n; i++)
		cap += m->l[i].n;
	v = xmalloc((cap + 1) * sizeof *v);
	for (int i = 0; i < m->n; i++)
		for (size_t j = 0; j < m->l[i].n; j++)
			v[n++] = m->l[i].e[j].name;
	qsort(v, n, sizeof *v, cmp_str);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (o > 0 && !strcmp(v[o - 1], v[i]))
			continue;
		if (mdir_lookup(m, v[i], NULL) < 0) {
			/* hidden by a whiteout; but keep dedup working */
			continue;
		}
		v[o++] = v[i];
	}
	*names = v;
	return o;
}
