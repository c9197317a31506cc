/* The xattrs of an entry of a layer, read through its directory fd, with
 * or without the overlay markers (layer.h: struct xattrs). */
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

/* ---- xattrs ------------------------------------------------------------- */

static int cmp_xattr(const void *a, const void *b)
{
	return strcmp(((const struct xattr *)a)->name, ((const struct xattr *)b)->name);
}

/* The core's calls (core/markers.h), in the libc's convention. */
static ssize_t with_errno(long r)
{
	if (r >= 0)
		return r;
	errno = (int)-r;
	return -1;
}

ssize_t xa_list(int dfd, const char *name, char *buf, size_t size)
{
	return with_errno(ue_xattr_list_at(dfd, name, buf, size));
}

ssize_t xa_get(int dfd, const char *name, const char *attr, void *buf, size_t size)
{
	return with_errno(ue_xattr_get_at(dfd, name, attr, buf, size));
}

int xattrs_get(int dfd, const char *name, struct xattrs *x, int skip_markers)
{
	memset(x, 0, sizeof *x);
	char small[1024];
	char *list = small;
	ssize_t n = xa_list(dfd, name, small, sizeof small);
	if (n < 0 && errno == ERANGE) {
		n = xa_list(dfd, name, NULL, 0);
		if (n > 0) {
			list = xmalloc((size_t)n + 1);
			n = xa_list(dfd, name, list, (size_t)n);
		}
	}
	if (n < 0) {
		int e = errno;
		if (list != small)
			free(list);
		return e == ENOTSUP || e == EOPNOTSUPP ? 0 : -e;
	}
	for (char *s = list; s < list + n; s += strlen(s) + 1) {
		if (skip_markers && ue_xattr_is_marker(s))
			continue;
		char vsmall[256];
		ssize_t vl = xa_get(dfd, name, s, vsmall, sizeof vsmall);
		char *v;
		if (vl >= 0) {
			v = xmalloc((size_t)vl + 1);
			memcpy(v, vsmall, (size_t)vl);
		} else {
			if (errno != ERANGE)
				continue;   /* e.g. trusted.* as a user: not ours to see */
			vl = xa_get(dfd, name, s, NULL, 0);
			if (vl < 0)
				continue;
			v = xmalloc((size_t)vl + 1);
			vl = xa_get(dfd, name, s, v, (size_t)vl);
			if (vl < 0) {
				free(v);
				continue;
			}
		}
		x->v = xrealloc(x->v, (x->n + 1) * sizeof *x->v);
		x->v[x->n].name = xstrdup(s);
		x->v[x->n].value = v;
		x->v[x->n].len = (size_t)vl;
		x->n++;
	}
	if (list != small)
		free(list);
	qsort(x->v, x->n, sizeof *x->v, cmp_xattr);
	return 0;
}

void xattrs_free(struct xattrs *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->v[i].name);
		free(x->v[i].value);
	}
	free(x->v);
	memset(x, 0, sizeof *x);
}

int xattrs_equal(const struct xattrs *a, const struct xattrs *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) || a->v[i].len != b->v[i].len ||
		    memcmp(a->v[i].value, b->v[i].value, a->v[i].len))
			return 0;
	return 1;
}
