/* One directory of one layer, listed with its markers decoded in every
 * form (layer.h: struct ldir). */
#include "layer.h"
#include "markers.h"
#include "override.h"
#include "procfd.h"
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

/* ---- listings ----------------------------------------------------------- */

const char *fdpath(int dfd, const char *name)
{
	static char buf[4096 + 64];
	if (name)
		ue_proc_fd(buf, sizeof buf, dfd, name);
	else
		ue_proc_fd(buf, sizeof buf, dfd, NULL);
	return buf;
}

unsigned dir_xattr_forms(int dfd, char **redir)
{
	unsigned x = ue_dir_xattrs(dfd, NULL), f = 0;
	if (x & UE_DX_OPQ_USER)
		f |= F_OPQ_USER;
	if (x & UE_DX_OPQ_TRUSTED)
		f |= F_OPQ_TRUSTED;
	if (x & UE_DX_OPQ_FUSE)
		f |= F_OPQ_FUSE;
	/* The kernel's xattr whiteouts: the parent says it holds some, by
	 * overlay.whiteouts (6.7 drafts) or opaque = "x", in either column. */
	if (x & (UE_DX_WHITEOUTS | UE_DX_XWH_USER | UE_DX_XWH_TRUSTED))
		f |= F_XWH_PARENT;
	if (x & UE_DX_REDIRECT) {
		f |= F_REDIRECT;
		if (redir && !*redir) {
			char b[PATH_MAX];
			if (ue_redirect_read_at(dfd, NULL, b, sizeof b) <= 0)
				b[0] = '\0';  /* unreadable or too long: a value the kernel refuses too */
			*redir = xstrdup(b);
		}
	}
	return f;
}

static int cmp_pstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_lent(const void *a, const void *b)
{
	const struct lent *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return (int)x->kind - (int)y->kind;   /* real before whiteout */
}

int ldir_read(int dfd, struct ldir *d)
{
	memset(d, 0, sizeof *d);
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d->forms = dir_xattr_forms(fd, &d->redirect);
	size_t cap = 0;
	char buf[65536];
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (n < 0) {
			int e = -errno;
			close(fd);
			ldir_free(d);
			return e;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			off += de->d_reclen;
			const char *nm = de->d_name;
			if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			if (!strcmp(nm, UE_AUFS_OPAQUE)) {
				d->forms |= F_OPQ_AUFS;
				continue;
			}
			if (ue_is_tmp_name(nm)) {
				d->tmp = xrealloc(d->tmp, (d->ntmp + 1) * sizeof *d->tmp);
				d->tmp[d->ntmp++] = xstrdup(nm);
				continue;
			}
			if (d->n == cap) {
				cap = cap ? cap * 2 : 64;
				d->e = xrealloc(d->e, cap * sizeof *d->e);
			}
			struct lent *e = &d->e[d->n++];
			memset(e, 0, sizeof *e);
			e->raw = xstrdup(nm);
			e->name = e->raw;
			e->dtype = de->d_type;
			e->ino = de->d_ino;
			if (e->dtype == DT_UNKNOWN) {
				struct stat st;
				if (fstatat(fd, nm, &st, AT_SYMLINK_NOFOLLOW) == 0)
					e->dtype = IFTODT(st.st_mode);
			}
			int xwh = (d->forms & F_XWH_PARENT) != 0, wh = 0;
			if (ue_aufs_is_marker(nm) && *ue_aufs_hidden(nm)) {
				e->name = e->raw + (ue_aufs_hidden(nm) - nm);
				wh = F_WH_AUFS;
			} else if (e->dtype == DT_CHR || (e->dtype == DT_REG && xwh)) {
				struct stat st;
				if (fstatat(fd, nm, &st, AT_SYMLINK_NOFOLLOW) == 0) {
					int f = ue_whiteout_inode(fd, nm, &st, xwh);
					wh = f == UE_WH_DEVICE ? F_WH_CHR : f == UE_WH_XATTR ? F_WH_XATTR : 0;
				}
			}
			if (wh) {
				e->kind = K_WHITEOUT;
				e->form = (unsigned short)wh;
				d->forms |= (unsigned)wh;
			}
		}
	}
	close(fd);
	qsort(d->e, d->n, sizeof *d->e, cmp_lent);
	qsort(d->tmp, d->ntmp, sizeof *d->tmp, cmp_pstr);
	/* NAME and .wh.NAME both: keep the real entry, flag it for fsck. */
	size_t o = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (o > 0 && !strcmp(d->e[o - 1].name, d->e[i].name)) {
			d->e[o - 1].dup = 1;
			free(d->e[i].raw);
			continue;
		}
		d->e[o++] = d->e[i];
	}
	d->n = o;
	d->opaque = (d->forms & F_OPAQUE) != 0;
	return 0;
}

void ldir_free(struct ldir *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->e[i].raw);
	for (size_t i = 0; i < d->ntmp; i++)
		free(d->tmp[i]);
	free(d->e);
	free(d->tmp);
	free(d->redirect);
	memset(d, 0, sizeof *d);
}

struct lent *ldir_find(const struct ldir *d, const char *name)
{
	size_t lo = 0, hi = d->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, d->e[mid].name);
		if (c == 0)
			return &d->e[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
