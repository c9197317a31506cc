/* fts(3), rebuilt on the wrapped functions: glibc's opens, stats and
 * fchdirs through internal calls.  This one never changes directory
 * (as with FTS_NOCHDIR, whatever the caller asked): fts_accpath is the
 * full path, which is right in either mode.  Entries are visited as BSD
 * fts does: preorder FTS_D, children (stat'd when listed, sorted by the
 * caller's comparison), postorder FTS_DP; FTS_DC for a cycle, FTS_DNR,
 * FTS_NS, FTS_SL/FTS_SLNONE, FTS_DOT with FTS_SEEDOT. */
#include "calls.h"
#include "impl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct ue_fts {
	FTS fts;              /* first: the caller holds a FTS * */
	FTSENT *roots;        /* the list fts_open made, before the first read */
	int started;
};

static FTSENT *entry_new(FTS *sp, FTSENT *parent, const char *name, size_t namelen)
{
	size_t plen = parent && parent->fts_level >= FTS_ROOTLEVEL ? parent->fts_pathlen : 0;
	FTSENT *p = calloc(1, sizeof *p + namelen + 1);
	struct stat *st = calloc(1, sizeof *st);
	char *path = malloc(plen + 1 + namelen + 1);
	if (!p || !st || !path) {
		free(p);
		free(st);
		free(path);
		return NULL;
	}
	memcpy(p->fts_name, name, namelen);
	p->fts_name[namelen] = '\0';
	p->fts_namelen = (unsigned short)namelen;
	if (plen) {
		memcpy(path, parent->fts_path, plen);
		/* "/" as a parent already ends in a slash. */
		if (path[plen - 1] != '/')
			path[plen++] = '/';
		memcpy(path + plen, name, namelen + 1);
		plen += namelen;
	} else {
		memcpy(path, name, namelen + 1);
		plen = namelen;
	}
	p->fts_path = p->fts_accpath = path;
	p->fts_pathlen = (unsigned short)plen;
	p->fts_statp = st;
	p->fts_parent = parent;
	p->fts_level = parent ? parent->fts_level + 1 : FTS_ROOTLEVEL;
	(void)sp;
	return p;
}

static void entry_free(FTSENT *p)
{
	if (!p)
		return;
	free(p->fts_path);
	free(p->fts_statp);
	free(p);
}

static void list_free(FTSENT *p)
{
	while (p) {
		FTSENT *n = p->fts_link;
		entry_free(p);
		p = n;
	}
}

/* fts_info for p, stat'ing it (following as the options say). */
static int entry_stat(FTS *sp, FTSENT *p, int follow)
{
	struct stat *st = p->fts_statp;
	long r;
	p->fts_errno = 0;
	if (follow || (sp->fts_options & FTS_LOGICAL)) {
		r = ue_call_stat(p->fts_accpath, st);
		if (r < 0) {
			if (ue_call_lstat(p->fts_accpath, st) == 0) {
				p->fts_errno = 0;
				return FTS_SLNONE;
			}
			p->fts_errno = (int)-r;
			memset(st, 0, sizeof *st);
			return FTS_NS;
		}
	} else if ((r = ue_call_lstat(p->fts_accpath, st)) < 0) {
		p->fts_errno = (int)-r;
		memset(st, 0, sizeof *st);
		return FTS_NS;
	}
	p->fts_dev = st->st_dev;
	p->fts_ino = st->st_ino;
	p->fts_nlink = st->st_nlink;
	if (S_ISDIR(st->st_mode)) {
		if (!strcmp(p->fts_name, ".") || !strcmp(p->fts_name, ".."))
			return FTS_DOT;
		for (FTSENT *a = p->fts_parent; a && a->fts_level >= FTS_ROOTLEVEL; a = a->fts_parent)
			if (a->fts_dev == p->fts_dev && a->fts_ino == p->fts_ino) {
				p->fts_cycle = a;
				return FTS_DC;
			}
		return FTS_D;
	}
	if (S_ISLNK(st->st_mode))
		return FTS_SL;
	return S_ISREG(st->st_mode) ? FTS_F : FTS_DEFAULT;
}

static FTSENT *sort_list(FTS *sp, FTSENT *head)
{
	if (!sp->fts_compar || !head)
		return head;
	size_t n = 0;
	for (FTSENT *p = head; p; p = p->fts_link)
		n++;
	FTSENT **v = malloc(n * sizeof *v);
	if (!v)
		return head;
	n = 0;
	for (FTSENT *p = head; p; p = p->fts_link)
		v[n++] = p;
	qsort(v, n, sizeof *v, (int (*)(const void *, const void *))sp->fts_compar);
	for (size_t i = 0; i + 1 < n; i++)
		v[i]->fts_link = v[i + 1];
	v[n - 1]->fts_link = NULL;
	head = v[0];
	free(v);
	return head;
}

/* The children of dir, stat'd unless nameonly; NULL with dir->fts_errno
 * set when the directory cannot be read. */
static FTSENT *build(FTS *sp, FTSENT *dir, int nameonly)
{
	DIR *d = ue_call_opendir(dir->fts_accpath);
	if (!d) {
		dir->fts_errno = ue_err;
		return NULL;
	}
	FTSENT *head = NULL, **tail = &head;
	struct dirent *e;
	while ((e = readdir_impl(d, LIBC(readdir)))) {
		int dot = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
		if (dot && !(sp->fts_options & FTS_SEEDOT))
			continue;
		FTSENT *p = entry_new(sp, dir, e->d_name, strlen(e->d_name));
		if (!p)
			break;
		if (nameonly || (sp->fts_options & FTS_NOSTAT && e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
			p->fts_info = FTS_NSOK;
		else
			p->fts_info = (unsigned short)entry_stat(sp, p, 0);
		*tail = p;
		tail = &p->fts_link;
	}
	closedir_impl(d);
	return sort_list(sp, head);
}

FTS *fts_open_impl(char *const *argv, int options, int (*cmp)(const FTSENT **, const FTSENT **))
{
	if (options & ~FTS_OPTIONMASK)
		return ue_fail(-EINVAL);
	struct ue_fts *u = calloc(1, sizeof *u);
	if (!u)
		return ue_fail(-ENOMEM);
	FTS *sp = &u->fts;
	sp->fts_options = options | FTS_NOCHDIR;
	sp->fts_compar = (int (*)(const void *, const void *))cmp;
	/* A parent above the roots, as BSD fts has, so that ascending ends. */
	FTSENT *top = entry_new(sp, NULL, "", 0);
	if (!top) {
		free(u);
		return ue_fail(-ENOMEM);
	}
	top->fts_level = FTS_ROOTPARENTLEVEL;
	FTSENT *head = NULL, **tail = &head;
	for (char *const *a = argv; *a; a++) {
		size_t len = strlen(*a);
		if (len == 0) {
			list_free(head);
			entry_free(top);
			free(u);
			return ue_fail(-ENOENT);
		}
		FTSENT *p = entry_new(sp, NULL, *a, len);
		if (!p)
			break;
		p->fts_parent = top;
		p->fts_level = FTS_ROOTLEVEL;
		p->fts_info = (unsigned short)entry_stat(sp, p, options & FTS_COMFOLLOW);
		if (p->fts_info == FTS_DOT)
			p->fts_info = FTS_D;
		*tail = p;
		tail = &p->fts_link;
	}
	u->roots = sort_list(sp, head);
	sp->fts_cur = top;
	return sp;
}

/* Free every entry from p up to (not including) the root parent. */
FTSENT *fts_read_impl(FTS *sp)
{
	struct ue_fts *u = (struct ue_fts *)sp;
	FTSENT *p = sp->fts_cur, *next;
	if (!p || (sp->fts_options & FTS_STOP))
		return NULL;
	if (!u->started) {
		u->started = 1;
		p = u->roots;
		u->roots = NULL;
		if (sp->fts_child) {
			list_free(sp->fts_child);
			sp->fts_child = NULL;
		}
		if (!p)
			return NULL;
		sp->fts_cur = p;
		return p;
	}
	int instr = p->fts_instr;
	p->fts_instr = FTS_NOINSTR;
	if (instr == FTS_AGAIN) {
		p->fts_info = (unsigned short)entry_stat(sp, p, 0);
		return p;
	}
	if (instr == FTS_FOLLOW && (p->fts_info == FTS_SL || p->fts_info == FTS_SLNONE)) {
		p->fts_info = (unsigned short)entry_stat(sp, p, 1);
		return p;
	}
	if (p->fts_info == FTS_D) {
		if (instr == FTS_SKIP || ((sp->fts_options & FTS_XDEV) && p->fts_dev != sp->fts_dev && p->fts_level > FTS_ROOTLEVEL)) {
			list_free(sp->fts_child);
			sp->fts_child = NULL;
			p->fts_info = FTS_DP;
			return p;
		}
		if (p->fts_level == FTS_ROOTLEVEL)
			sp->fts_dev = p->fts_dev;
		next = sp->fts_child ? sp->fts_child : build(sp, p, 0);
		sp->fts_child = NULL;
		if (!next) {
			p->fts_info = p->fts_errno ? FTS_DNR : FTS_DP;
			return p;
		}
		sp->fts_cur = next;
		return next;
	}
	/* Next sibling, or up to the parent in postorder. */
	for (;;) {
		next = p->fts_link;
		FTSENT *parent = p->fts_parent;
		entry_free(p);
		if (next) {
			sp->fts_cur = next;
			if (next->fts_level == FTS_ROOTLEVEL) {
				/* A root: BSD re-stats it when it is reached. */
				return next;
			}
			if (next->fts_instr == FTS_SKIP) {
				p = next;
				continue;
			}
			return next;
		}
		sp->fts_cur = parent;
		if (parent->fts_level == FTS_ROOTPARENTLEVEL) {
			entry_free(parent);
			sp->fts_cur = NULL;
			errno = 0;
			return NULL;
		}
		parent->fts_info = FTS_DP;
		return parent;
	}
}

FTSENT *fts_children_impl(FTS *sp, int options)
{
	struct ue_fts *u = (struct ue_fts *)sp;
	if (options & ~FTS_NAMEONLY)
		return ue_fail(-EINVAL);
	if (!u->started)
		return u->roots;
	FTSENT *p = sp->fts_cur;
	if (!p || p->fts_info != FTS_D)
		return NULL;
	list_free(sp->fts_child);
	sp->fts_child = build(sp, p, options & FTS_NAMEONLY);
	if (!sp->fts_child && p->fts_errno)
		return ue_fail(-p->fts_errno);
	return sp->fts_child;
}

long fts_set_impl(FTS *sp, FTSENT *p, int instr)
{
	if (instr != FTS_NOINSTR && instr != FTS_AGAIN && instr != FTS_FOLLOW && instr != FTS_SKIP)
		return -EINVAL;
	p->fts_instr = (unsigned short)instr;
	return 0;
}

long fts_close_impl(FTS *sp)
{
	struct ue_fts *u = (struct ue_fts *)sp;
	list_free(u->roots);
	list_free(sp->fts_child);
	/* The current entry, its remaining siblings and its ancestors. */
	FTSENT *p = sp->fts_cur;
	while (p) {
		FTSENT *parent = p->fts_parent;
		list_free(p->fts_link);
		entry_free(p);
		p = parent;
	}
	free(u);
	return 0;
}
