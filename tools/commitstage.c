/* unionenv commit, phase 1: walk the upper against the lower, stage what
 * is to be put in place and plan the operations. */
#include "commit.h"
#include "markers.h"
#include "progress.h"
#include "tmpname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- staging -------------------------------------------------------------- */

static void copy_data(struct cctx *c, int in, int out)
{
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 24, 0);
		if (n == 0)
			return;
		if (n > 0) {
			progress_bytes((uint64_t)n);
			continue;
		}
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			ue_die("%s: copy: %s", c->path.s, strerror(errno));
		break;
	}
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0)
				ue_die("%s: copy: %s", c->path.s, strerror(errno));
			off += w;
			progress_bytes((uint64_t)w);
		}
	if (n < 0)
		ue_die("%s: read: %s", c->path.s, strerror(errno));
}

static void stage_tree(struct cctx *c, int ufd, const char *uname, int sfd, const char *sname);

/* Stage the upper's entry ufd/uname as sfd/sname (a non-whiteout). */
static void stage_entry(struct cctx *c, int ufd, const char *uname, int sfd, const char *sname)
{
	struct stat st;
	int r = fstatat_shown(ufd, uname, &st);
	if (r < 0)
		ue_die("%s: %s", c->path.s, strerror(-r));
	if (S_ISDIR(st.st_mode)) {
		stage_tree(c, ufd, uname, sfd, sname);
		return;
	}
	if (c->same_fs && !S_ISDIR(st.st_mode)) {
		if (linkat(ufd, uname, sfd, sname, 0) == 0) {
			/* the same inode: root gives it the owner a copy-up recorded */
			if (c->is_root && put_owner(sfd, sname, &st) == 0 && !S_ISLNK(st.st_mode))
				fchmodat(sfd, sname, st.st_mode & 07777, 0);
			return;
		}
		if (errno != EXDEV && errno != EPERM && errno != EMLINK)
			ue_die("%s: cannot stage: %s", c->path.s, strerror(errno));
	}
	if (S_ISREG(st.st_mode)) {
		if (st.st_nlink > 1) {
			for (size_t i = 0; i < c->nhl; i++)
				if (c->hl[i].dev == st.st_dev && c->hl[i].ino == st.st_ino) {
					const char *b;
					int pfd = open_parent_of(c->stage, c->hl[i].name, &b, 0);
					if (pfd < 0 || linkat(pfd, b, sfd, sname, 0) < 0)
						ue_die("%s: cannot stage the hard link: %s", c->path.s, strerror(errno));
					close(pfd);
					return;
				}
			c->hl = xrealloc(c->hl, (c->nhl + 1) * sizeof *c->hl);
			c->hl[c->nhl].dev = st.st_dev;
			c->hl[c->nhl].ino = st.st_ino;
			c->hl[c->nhl].name = xstrdup(c->path.s);
			c->nhl++;
		}
		int in = openat(ufd, uname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		int out = openat(sfd, sname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (in < 0 || out < 0)
			ue_die("%s: cannot stage: %s", c->path.s, strerror(errno));
		copy_data(c, in, out);
		close(in);
		if (close(out) < 0)
			ue_die("%s: cannot stage: %s", c->path.s, strerror(errno));
	} else if (S_ISLNK(st.st_mode)) {
		char t[PATH_MAX + 1];
		ssize_t n = readlinkat(ufd, uname, t, sizeof t - 1);
		if (n < 0)
			ue_die("%s: %s", c->path.s, strerror(errno));
		t[n] = 0;
		if (symlinkat(t, sfd, sname) < 0)
			ue_die("%s: cannot stage: %s", c->path.s, strerror(errno));
	} else {
		if (mknodat(sfd, sname, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
			ue_die("%s: cannot stage: %s", c->path.s, strerror(errno));
	}
	put_meta(c, sfd, sname, &st, ufd, uname);
}

/* A whole directory of the upper, as it will be in the lower: markers,
 * whiteouts and temporary names left out. */
static void stage_tree(struct cctx *c, int ufd, const char *uname, int sfd, const char *sname)
{
	struct stat st;
	int sr = fstatat_shown(ufd, uname, &st);
	if (sr < 0)
		ue_die("%s: %s", c->path.s, strerror(-sr));
	int dfd = open_dir(ufd, uname);
	if (dfd < 0)
		ue_die("%s: %s", c->path.s, strerror(-dfd));
	struct ldir d;
	int r = ldir_read(dfd, &d);
	if (r < 0)
		ue_die("%s: %s", c->path.s, strerror(-r));
	if (d.forms & F_REDIRECT)
		ue_die("%s: overlay.redirect ('%s') is not supported (made by a kernel mount with "
		       "redirect_dir)", c->path.s, d.redirect ? d.redirect : "");
	c->leftovers += d.ntmp;
	if (mkdirat(sfd, sname, 0700) < 0)
		ue_die("%s: cannot stage: %s", c->path.s, strerror(errno));
	int tfd = open_dir(sfd, sname);
	if (tfd < 0)
		ue_die("%s: %s", c->path.s, strerror(-tfd));
	for (size_t i = 0; i < d.n; i++) {
		if (d.e[i].kind != K_REAL)
			continue;
		size_t old = pb_push(&c->path, d.e[i].name);
		stage_entry(c, dfd, d.e[i].raw, tfd, d.e[i].name);
		pb_pop(&c->path, old);
	}
	ldir_free(&d);
	put_meta(c, sfd, sname, &st, ufd, uname);
	/* put_meta read the xattrs without markers: the opaque mark stays behind */
	close(tfd);
	close(dfd);
}

static void check_metacopy(struct cctx *c, int ufd, const char *raw)
{
	if (c->is_root && lgetxattr(fdpath(ufd, raw), UE_OVL_TRUSTED(METACOPY), NULL, 0) >= 0)
		ue_die("%s: a metacopy file (its data is in a lower; made by a kernel mount with "
		       "metacopy=on): not supported", c->path.s);
}

/* Plan the directory at c->path: upper dir ufd, lower dir lfd. */
void plan_dir(struct cctx *c, int ufd, int lfd)
{
	struct ldir U;
	int r = ldir_read(ufd, &U);
	if (r < 0)
		ue_die("upper %s: %s", c->path.len ? c->path.s : ".", strerror(-r));
	if (U.forms & F_REDIRECT)
		ue_die("%s: overlay.redirect ('%s') is not supported (made by a kernel mount with "
		       "redirect_dir)", c->path.len ? c->path.s : ".", U.redirect ? U.redirect : "");
	c->leftovers += U.ntmp;
	for (size_t i = 0; i < U.n; i++) {
		struct lent *e = &U.e[i];
		struct stat lst;
		int in_lower = fstatat(lfd, e->name, &lst, AT_SYMLINK_NOFOLLOW) == 0;
		if (!in_lower && errno != ENOENT)
			ue_die("lower %s/%s: %s", c->path.s, e->name, strerror(errno));
		if (!c->path.len && !strcmp(e->name, JOURNAL))
			continue;
		size_t old = pb_push(&c->path, e->name);
		if (e->kind == K_WHITEOUT) {
			if (in_lower)
				add_op(c, OP_D, c->path.s);
			pb_pop(&c->path, old);
			continue;
		}
		if (e->dtype == DT_REG)
			check_metacopy(c, ufd, e->raw);
		int merge = 0;
		int cfd = -1;
		if (e->dtype == DT_DIR && in_lower && S_ISDIR(lst.st_mode)) {
			cfd = open_dir(ufd, e->raw);
			if (cfd < 0)
				ue_die("upper %s: %s", c->path.s, strerror(-cfd));
			unsigned f = dir_xattr_forms(cfd, NULL);
			merge = !((f & F_OPAQUE) || faccessat(cfd, UE_AUFS_OPAQUE, F_OK, AT_SYMLINK_NOFOLLOW) == 0);
		}
		if (merge) {
			int lcfd = open_dir(lfd, e->name);
			if (lcfd < 0)
				ue_die("lower %s: %s", c->path.s, strerror(-lcfd));
			plan_dir(c, cfd, lcfd);
			struct op *o = add_op(c, OP_M, c->path.s);
			o->mode = lst.st_mode & 07777;
			o->uid = lst.st_uid;
			o->gid = lst.st_gid;
			o->atime = lst.st_atim;
			o->mtime = lst.st_mtim;
			xattrs_get(lfd, e->name, &o->x, 1);
			close(lcfd);
		} else {
			const char *b;
			int sfd = open_parent_of(c->stage, c->path.s, &b, 1);
			if (sfd < 0)
				ue_die("%s: cannot stage: %s", c->path.s, strerror(-sfd));
			stage_entry(c, ufd, e->raw, sfd, b);
			close(sfd);
			add_op(c, OP_R, c->path.s);
		}
		if (cfd >= 0)
			close(cfd);
		pb_pop(&c->path, old);
	}
	ldir_free(&U);
}

/* ---- the index's names in the lower ---------------------------------------- */

struct ictx {
	struct cctx *c;
	char **dirs;      /* parents that need a T op */
	size_t ndirs;
};

static void plan_one(void *ctx, const struct lindex_name *ln)
{
	struct ictx *ic = ctx;
	struct cctx *c = ic->c;
	pb_free(&c->path);
	pb_init(&c->path, ln->path);
	const char *b;
	int sfd = open_parent_of(c->stage, ln->path, &b, 1);
	if (sfd < 0)
		ue_die("%s: cannot stage: %s", ln->path, strerror(-sfd));
	/* The entry's inode, as the upper's names of the file are staged. */
	stage_entry(c, c->xfd, ln->hex, sfd, b);
	close(sfd);
	add_op(c, OP_R, ln->path);
	/* Its directory: the upper's (merged: an M op follows), or the lower's
	 * alone, whose metadata the rename changes and a T op puts back. */
	const char *slash = strrchr(ln->path, '/');
	if (!slash)
		return;   /* the root: its M op comes last */
	char *dir = xstrndup(ln->path, (size_t)(slash - ln->path));
	struct stat st;
	int upper_has = fstatat(c->upper, dir, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
	for (size_t i = 0; !upper_has && i < ic->ndirs; i++)
		upper_has = !strcmp(ic->dirs[i], dir);
	if (upper_has) {
		free(dir);
		return;
	}
	ic->dirs = xrealloc(ic->dirs, (ic->ndirs + 1) * sizeof *ic->dirs);
	ic->dirs[ic->ndirs++] = dir;
}

void plan_indexed(struct cctx *c, const struct lindex *x)
{
	struct mdir low;
	struct ictx ic = { c, NULL, 0 };
	mdir_open_roots(&low, c->lower_name);
	lindex_lower_names(x, c->upper, &low, plan_one, &ic);
	mdir_free(&low);
	for (size_t i = 0; i < ic.ndirs; i++) {
		struct stat st;
		if (fstatat(c->lower, ic.dirs[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			ue_die("lower %s: %s", ic.dirs[i], strerror(errno));
		struct op *o = add_op(c, OP_T, ic.dirs[i]);
		o->mode = st.st_mode & 07777;
		o->uid = st.st_uid;
		o->gid = st.st_gid;
		o->atime = st.st_atim;
		o->mtime = st.st_mtim;
		xattrs_get(c->lower, ic.dirs[i], &o->x, 1);
		free(ic.dirs[i]);
	}
	free(ic.dirs);
	pb_free(&c->path);
	pb_init(&c->path, "");
}
