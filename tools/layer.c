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

const char *ue_prog = "unionenv";

/* ---- errors ------------------------------------------------------------ */

static void vmsg(const char *fmt, va_list ap)
{
	char buf[8192];
	vsnprintf(buf, sizeof buf, fmt, ap);
	progress_clear();
	fprintf(stderr, "%s: ", ue_prog);
	for (const char *s = buf; *s; s++) {
		if (*s == '\n')
			fputs("\\n", stderr);
		else
			fputc(*s, stderr);
	}
	fputc('\n', stderr);
}

void ue_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void ue_die(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(EX_OWN);
}

void ue_usage(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ue_die("%s (see --help)", buf);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		ue_die("out of memory");
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		ue_die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		ue_die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void ue_raise_nofile(void)
{
	struct rlimit r;
	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

const char *need_arg(const char *opt, const char *val)
{
	if (!val || !*val)
		ue_usage("option '%s' needs a value", opt);
	return val;
}

/* ---- path buffer -------------------------------------------------------- */

void pb_init(struct pbuf *p, const char *s)
{
	p->len = strlen(s);
	p->cap = p->len + 256;
	p->s = xmalloc(p->cap);
	memcpy(p->s, s, p->len + 1);
}

size_t pb_push(struct pbuf *p, const char *name)
{
	size_t old = p->len, n = strlen(name);
	if (p->len + n + 2 > p->cap) {
		p->cap = (p->len + n + 2) * 2;
		p->s = xrealloc(p->s, p->cap);
	}
	if (p->len)
		p->s[p->len++] = '/';
	memcpy(p->s + p->len, name, n + 1);
	p->len += n;
	return old;
}

void pb_pop(struct pbuf *p, size_t oldlen)
{
	p->len = oldlen;
	p->s[oldlen] = 0;
}

void pb_free(struct pbuf *p)
{
	free(p->s);
	p->s = NULL;
}

/* ---- listings ----------------------------------------------------------- */

const char *fdpath(int dfd, const char *name)
{
	static char buf[4096 + 64];
	if (name)
		snprintf(buf, sizeof buf, "/proc/self/fd/%d/%s", dfd, name);
	else
		snprintf(buf, sizeof buf, "/proc/self/fd/%d", dfd);
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

/* ---- lowers ------------------------------------------------------------- */

int open_dir(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

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

/* ---- misc --------------------------------------------------------------- */

int same_data(int fa, int fb)
{
	enum { CH = 1 << 18 };
	static char *a, *b;
	if (!a) {
		a = xmalloc(CH);
		b = xmalloc(CH);
	}
	off_t off = 0;
	for (;;) {
		ssize_t na = pread(fa, a, CH, off);
		if (na < 0)
			return -errno;
		size_t got = 0;
		while (got < (size_t)na) {
			ssize_t nb = pread(fb, b + got, (size_t)na - got, off + (off_t)got);
			if (nb < 0)
				return -errno;
			if (nb == 0)
				return 0;
			got += (size_t)nb;
		}
		if (na == 0) {
			char c;
			ssize_t nb = pread(fb, &c, 1, off);
			return nb < 0 ? -errno : nb == 0;
		}
		if (memcmp(a, b, (size_t)na))
			return 0;
		off += na;
	}
}

void put_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\%03o", *p);
		else
			fputc(*p, f);
	}
}

void put_shell(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

int rm_tree(int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) == 0)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return errno == ENOENT ? 0 : -errno;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ldir d;
	int r = ldir_read(fd, &d);
	if (r == 0) {
		/* raw names: ldir decodes markers, but every name goes */
		for (size_t i = 0; i < d.n && !r; i++)
			r = rm_tree(fd, d.e[i].raw);
		for (size_t i = 0; i < d.ntmp && !r; i++)
			r = rm_tree(fd, d.tmp[i]);
		if (!r && (d.forms & F_OPQ_AUFS) && unlinkat(fd, UE_AUFS_OPAQUE, 0) < 0 && errno != ENOENT)
			r = -errno;
		ldir_free(&d);
	}
	close(fd);
	if (r)
		return r;
	return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

int fstatat_shown(int dfd, const char *name, struct stat *st)
{
	char v[128];
	struct ue_override o;
	if (fstatat(dfd, name ? name : ".", st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	ssize_t n = S_ISREG(st->st_mode) || S_ISDIR(st->st_mode) ? xa_get(dfd, name, UE_XATTR_OVERRIDE, v, sizeof v) : -1;
	if (n > 0 && ue_override_parse(v, (size_t)n, &o) == 0)
		ue_override_apply(&o, st);
	return 0;
}

int put_owner(int dfd, const char *name, const struct stat *want)
{
	const char *b = name ? name : ".";
	if (fchownat(dfd, b, want->st_uid, want->st_gid, AT_SYMLINK_NOFOLLOW) == 0) {
		lremovexattr(fdpath(dfd, name), UE_XATTR_OVERRIDE);
		return 0;
	}
	int err = errno;
	struct ue_override o = { want->st_uid, want->st_gid, want->st_mode & 07777 };
	char v[128];
	int n = ue_override_format(v, sizeof v, want->st_mode, &o);
	if ((S_ISREG(want->st_mode) || S_ISDIR(want->st_mode)) && err == EPERM)
		lsetxattr(fdpath(dfd, name), UE_XATTR_OVERRIDE, v, (size_t)n, 0);
	return -err;
}
