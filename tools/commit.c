/* unionenv commit: apply an upper layer onto its lower, making the union's
 * view the lower's plain content, then empty the upper.
 *
 * Staged, so that an interruption can be finished or rolled back:
 *   1. plan and stage: walk the upper against the lower; every entry to put
 *      in place is prepared under LOWER/.unionenv.commit/stage (hard links
 *      from the upper where they share a file system, else copies with
 *      their metadata; a directory that is new, replaces a non-directory or
 *      is opaque is staged whole).  The plan lists the operations:
 *        R path   put stage/path in place; what was there goes to backup/path
 *        D path   a whiteout: path goes to backup/path
 *        M path   a directory both have: the upper's metadata (the old one is
 *                 in the plan), after everything inside it
 *      The lower is not touched in this phase.
 *   2. apply the plan in order.  Each step is a rename, and its state is
 *      visible from which of stage/path, backup/path and path exist, so
 *      --continue redoes the rest and --rollback undoes the done ones.
 *   3. when everything landed: drop backup, empty the upper, drop the
 *      journal.
 * The journal's name starts with ".unionenv.", so a union over the lower
 * does not show it and `unionenv fsck` reports it.
 * Overlay redirects and metacopy files (a root kernel mount's) are refused
 * before anything is written. */
#include "layer.h"
#include "markers.h"
#include "progress.h"
#include "tmpname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define JOURNAL UE_TMP_PREFIX "commit"

enum { OP_R = 'R', OP_D = 'D', OP_M = 'M' };

struct op {
	char type;
	char *path;            /* relative to the lower; "." for its root */
	/* M: the lower directory's metadata before the commit */
	unsigned mode;
	unsigned uid, gid;
	struct timespec atime, mtime;
	struct xattrs x;
};

struct cctx {
	int lower, upper, jfd, stage, backup;
	const char *lower_name, *upper_name;
	int is_root, same_fs;
	struct op *ops;
	size_t nops, capops;
	struct pbuf path;
	size_t leftovers;
	/* copies across file systems: upper inode -> staged name */
	struct hl { dev_t dev; ino_t ino; char *name; } *hl;
	size_t nhl;
	long crash_after;
	struct timespec root_times[2];   /* the lower root's, before the journal */
};

/* ---- plan --------------------------------------------------------------- */

static struct op *add_op(struct cctx *c, char type, const char *path)
{
	if (c->nops == c->capops) {
		c->capops = c->capops ? c->capops * 2 : 256;
		c->ops = xrealloc(c->ops, c->capops * sizeof *c->ops);
	}
	struct op *o = &c->ops[c->nops++];
	memset(o, 0, sizeof *o);
	o->type = type;
	o->path = xstrdup(*path ? path : ".");
	return o;
}

static void put_hex(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", (unsigned char)s[i]);
}

static char *unhex(const char *s, size_t n, size_t *len)
{
	char *o = xmalloc(n / 2 + 1);
	for (size_t i = 0; i + 1 < n + 1 && i < n; i += 2) {
		unsigned v;
		sscanf(s + i, "%2x", &v);
		o[i / 2] = (char)v;
	}
	*len = n / 2;
	o[n / 2] = 0;
	return o;
}

/* The inverse of put_escaped. */
static char *unescape(const char *s)
{
	char *o = xmalloc(strlen(s) + 1), *p = o;
	while (*s) {
		if (*s != '\\') {
			*p++ = *s++;
			continue;
		}
		s++;
		if (*s == 'n') { *p++ = '\n'; s++; }
		else if (*s == 't') { *p++ = '\t'; s++; }
		else if (*s == '\\') { *p++ = '\\'; s++; }
		else if (*s >= '0' && *s <= '7') {
			int v = 0;
			for (int i = 0; i < 3 && *s >= '0' && *s <= '7'; i++)
				v = v * 8 + (*s++ - '0');
			*p++ = (char)v;
		} else if (*s) {
			*p++ = *s++;
		}
	}
	*p = 0;
	return o;
}

static void write_plan(struct cctx *c)
{
	int fd = openat(c->jfd, "plan.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		ue_die("cannot write the plan: %s", strerror(errno));
	for (size_t i = 0; i < c->nops; i++) {
		struct op *o = &c->ops[i];
		fprintf(f, "%c\t", o->type);
		put_escaped(f, o->path);
		if (o->type == OP_M) {
			fprintf(f, "\t%o\t%u\t%u\t%lld.%09ld\t%lld.%09ld\t", o->mode, o->uid, o->gid,
			        (long long)o->atime.tv_sec, o->atime.tv_nsec,
			        (long long)o->mtime.tv_sec, o->mtime.tv_nsec);
			for (size_t j = 0; j < o->x.n; j++) {
				if (j)
					fputc(',', f);
				put_hex(f, o->x.v[j].name, strlen(o->x.v[j].name));
				fputc(':', f);
				put_hex(f, o->x.v[j].value, o->x.v[j].len);
			}
		}
		fputc('\n', f);
	}
	if (fflush(f) != 0 || fsync(fd) != 0 || fclose(f) != 0)
		ue_die("cannot write the plan: %s", strerror(errno));
	if (renameat(c->jfd, "plan.tmp", c->jfd, "plan") < 0)
		ue_die("cannot write the plan: %s", strerror(errno));
}

static void parse_ts(const char *s, struct timespec *t)
{
	long long sec = 0;
	long ns = 0;
	sscanf(s, "%lld.%ld", &sec, &ns);
	t->tv_sec = sec;
	t->tv_nsec = ns;
}

static void read_plan(struct cctx *c)
{
	int fd = openat(c->jfd, "plan", O_RDONLY | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f)
		ue_die("the interrupted commit has no plan: %s", strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = 0;
		char *fields[8] = { 0 };
		int nf = 0;
		for (char *s = line, *save = NULL; nf < 8 && (s = strtok_r(nf ? NULL : s, "\t", &save)); nf++)
			fields[nf] = s;
		if (nf < 2 || (fields[0][0] != OP_R && fields[0][0] != OP_D && fields[0][0] != OP_M))
			ue_die("the interrupted commit's plan is damaged");
		char *path = unescape(fields[1]);
		struct op *o = add_op(c, fields[0][0], path);
		free(path);
		if (o->type == OP_M) {
			if (nf < 6)
				ue_die("the interrupted commit's plan is damaged");
			o->mode = (unsigned)strtoul(fields[2], NULL, 8);
			o->uid = (unsigned)strtoul(fields[3], NULL, 10);
			o->gid = (unsigned)strtoul(fields[4], NULL, 10);
			parse_ts(fields[5], &o->atime);
			parse_ts(fields[6] ? fields[6] : "0.0", &o->mtime);
			if (nf >= 8 && fields[7][0]) {
				char *save = NULL;
				for (char *s = strtok_r(fields[7], ",", &save); s; s = strtok_r(NULL, ",", &save)) {
					char *colon = strchr(s, ':');
					if (!colon)
						break;
					size_t l1, l2;
					o->x.v = xrealloc(o->x.v, (o->x.n + 1) * sizeof *o->x.v);
					o->x.v[o->x.n].name = unhex(s, (size_t)(colon - s), &l1);
					o->x.v[o->x.n].value = unhex(colon + 1, strlen(colon + 1), &l2);
					o->x.v[o->x.n].len = l2;
					o->x.n++;
				}
			}
		}
	}
	free(line);
	fclose(f);
}

/* ---- small helpers -------------------------------------------------------- */

/* The directory holding rel below root fd (made when `make`), and the base
 * name; never through a symlink.  -errno when missing. */
static int open_parent_of(int root, const char *rel, const char **base, int make)
{
	const char *slash = strrchr(rel, '/');
	*base = slash ? slash + 1 : rel;
	int fd = dup(root);
	if (!slash)
		return fd;
	char *dir = xstrndup(rel, (size_t)(slash - rel)), *save = NULL;
	for (char *t = strtok_r(dir, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		int n = openat(fd, t, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (n < 0 && errno == ENOENT && make) {
			if (mkdirat(fd, t, 0700) < 0 && errno != EEXIST) {
				int e = -errno;
				close(fd);
				free(dir);
				return e;
			}
			n = openat(fd, t, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (n < 0) {
			int e = -errno;
			close(fd);
			free(dir);
			return e;
		}
		close(fd);
		fd = n;
	}
	free(dir);
	return fd;
}

static int exists_at(int dfd, const char *name)
{
	struct stat st;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Set the non-marker xattrs of dfd/name (NULL: dfd itself) to exactly x. */
static void put_xattrs(struct cctx *c, int dfd, const char *name, const struct xattrs *x)
{
	struct xattrs cur;
	xattrs_get(dfd, name, &cur, 1);
	char p[4200];
	snprintf(p, sizeof p, "%s", fdpath(dfd, name));
	for (size_t i = 0; i < cur.n; i++) {
		size_t j;
		for (j = 0; j < x->n && strcmp(x->v[j].name, cur.v[i].name); j++)
			;
		if (j == x->n)
			name ? lremovexattr(p, cur.v[i].name) : removexattr(p, cur.v[i].name);
	}
	for (size_t j = 0; j < x->n; j++) {
		int r = name ? lsetxattr(p, x->v[j].name, x->v[j].value, x->v[j].len, 0)
		             : setxattr(p, x->v[j].name, x->v[j].value, x->v[j].len, 0);
		if (r < 0 && (c->is_root || strncmp(x->v[j].name, "user.", 5) == 0))
			ue_warn("%s: cannot set xattr '%s': %s", name ? name : ".", x->v[j].name, strerror(errno));
	}
	xattrs_free(&cur);
}

/* Owner, mode, xattrs and times of `from` onto dfd/name (symlinks: no mode). */
static void put_meta(struct cctx *c, int dfd, const char *name, const struct stat *from, int sfd, const char *sname)
{
	int r = put_owner(dfd, name, from);
	if (r < 0 && c->is_root)
		ue_die("%s: chown: %s", c->path.s, strerror(-r));
	if (!S_ISLNK(from->st_mode) && fchmodat(dfd, name, from->st_mode & 07777, 0) < 0)
		ue_die("%s: chmod: %s", c->path.s, strerror(errno));
	struct xattrs x;
	xattrs_get(sfd, sname, &x, 1);
	if (x.n)
		put_xattrs(c, dfd, name, &x);
	xattrs_free(&x);
	struct timespec t[2] = { from->st_atim, from->st_mtim };
	utimensat(dfd, name, t, AT_SYMLINK_NOFOLLOW);
}

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
static void plan_dir(struct cctx *c, int ufd, int lfd)
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

/* ---- applying and undoing ------------------------------------------------- */

static void set_state(struct cctx *c, const char *state)
{
	int fd = openat(c->jfd, "state.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, state, strlen(state)) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
	    renameat(c->jfd, "state.tmp", c->jfd, "state") < 0)
		ue_die("cannot record the commit's state: %s", strerror(errno));
	fsync(c->jfd);
}

static void get_state(struct cctx *c, char *buf, size_t size)
{
	int fd = openat(c->jfd, "state", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;
	if (n < 0)
		n = 0;   /* no state yet: it stopped while staging */
	buf[n] = 0;
	if (fd >= 0)
		close(fd);
}

/* rename, making the target's parent writable when it is not (the M op
 * puts its mode back afterwards). */
static int move(int ofd, const char *on, int nfd, const char *nn)
{
	if (renameat(ofd, on, nfd, nn) == 0)
		return 0;
	if (errno == EACCES) {
		struct stat a, b;
		if (fstat(ofd, &a) == 0)
			fchmod(ofd, (a.st_mode & 07777) | 0700);
		if (fstat(nfd, &b) == 0)
			fchmod(nfd, (b.st_mode & 07777) | 0700);
		if (renameat(ofd, on, nfd, nn) == 0)
			return 0;
	}
	return -1;
}

struct at {
	int l, s, b;           /* parents in lower, stage, backup */
	const char *base;
};

static void open_at(struct cctx *c, const char *path, struct at *a, int make_backup)
{
	a->l = open_parent_of(c->lower, path, &a->base, 0);
	a->s = open_parent_of(c->stage, path, &a->base, 0);
	a->b = open_parent_of(c->backup, path, &a->base, make_backup);
	if (a->l < 0)
		ue_die("%s: the lower's directory is gone: %s", path, strerror(-a->l));
}

static void close_at(struct at *a)
{
	if (a->l >= 0) close(a->l);
	if (a->s >= 0) close(a->s);
	if (a->b >= 0) close(a->b);
}

static void apply_meta_from_upper(struct cctx *c, const struct op *o)
{
	const char *base;
	int ufd, lfd;
	if (!strcmp(o->path, ".")) {
		ufd = dup(c->upper);
		lfd = dup(c->lower);
		base = NULL;
	} else {
		ufd = open_parent_of(c->upper, o->path, &base, 0);
		lfd = open_parent_of(c->lower, o->path, &base, 0);
	}
	if (ufd < 0 || lfd < 0)
		ue_die("%s: %s", o->path, strerror(errno));
	struct stat st;
	int r = fstatat_shown(ufd, base, &st);
	if (r < 0)
		ue_die("upper %s: %s", o->path, strerror(-r));
	const char *lb = base ? base : ".";
	if ((r = put_owner(lfd, base, &st)) < 0 && c->is_root)
		ue_die("%s: chown: %s", o->path, strerror(-r));
	if (fchmodat(lfd, lb, st.st_mode & 07777, 0) < 0)
		ue_die("%s: chmod: %s", o->path, strerror(errno));
	struct xattrs x;
	xattrs_get(ufd, base, &x, 1);
	put_xattrs(c, lfd, base, &x);
	xattrs_free(&x);
	struct timespec t[2] = { st.st_atim, st.st_mtim };
	utimensat(lfd, lb, t, AT_SYMLINK_NOFOLLOW);
	close(ufd);
	close(lfd);
}

static void restore_meta(struct cctx *c, const struct op *o)
{
	const char *base = NULL;
	int lfd = strcmp(o->path, ".") ? open_parent_of(c->lower, o->path, &base, 0) : dup(c->lower);
	if (lfd < 0)
		return;
	const char *lb = base ? base : ".";
	fchownat(lfd, lb, o->uid, o->gid, AT_SYMLINK_NOFOLLOW);
	fchmodat(lfd, lb, o->mode, 0);
	put_xattrs(c, lfd, base, &o->x);
	struct timespec t[2] = { o->atime, o->mtime };
	utimensat(lfd, lb, t, AT_SYMLINK_NOFOLLOW);
	close(lfd);
}

static void apply_op(struct cctx *c, const struct op *o)
{
	progress_entry(0);
	if (o->type == OP_M) {
		apply_meta_from_upper(c, o);
		return;
	}
	struct at a;
	open_at(c, o->path, &a, 1);
	if (a.b < 0)
		ue_die("%s: cannot make the backup directory: %s", o->path, strerror(-a.b));
	int staged = a.s >= 0 && exists_at(a.s, a.base);
	if (o->type == OP_D) {
		if (exists_at(a.l, a.base) && !exists_at(a.b, a.base) && move(a.l, a.base, a.b, a.base) < 0)
			ue_die("%s: %s", o->path, strerror(errno));
	} else if (staged) {
		if (exists_at(a.l, a.base) && !exists_at(a.b, a.base) && move(a.l, a.base, a.b, a.base) < 0)
			ue_die("%s: %s", o->path, strerror(errno));
		if (move(a.s, a.base, a.l, a.base) < 0)
			ue_die("%s: %s", o->path, strerror(errno));
	}
	close_at(&a);
}

static void undo_op(struct cctx *c, const struct op *o)
{
	if (o->type == OP_M) {
		restore_meta(c, o);
		return;
	}
	struct at a;
	open_at(c, o->path, &a, 0);
	int staged = a.s >= 0 && exists_at(a.s, a.base);
	int backed = a.b >= 0 && exists_at(a.b, a.base);
	if (o->type == OP_R && !staged && exists_at(a.l, a.base)) {
		/* the new entry is in place: it goes back to the stage */
		int sfd = a.s >= 0 ? a.s : open_parent_of(c->stage, o->path, &a.base, 1);
		if (sfd < 0 || move(a.l, a.base, sfd, a.base) < 0)
			ue_die("%s: cannot undo: %s", o->path, strerror(errno));
		if (sfd != a.s)
			close(sfd);
	}
	if (backed && !exists_at(a.l, a.base) && move(a.b, a.base, a.l, a.base) < 0)
		ue_die("%s: cannot undo: %s", o->path, strerror(errno));
	close_at(&a);
}

/* ---- the phases ----------------------------------------------------------- */

static int open_journal_dir(struct cctx *c, const char *name)
{
	int fd = openat(c->jfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(c->jfd, name, 0700) < 0)
			ue_die("cannot make the journal: %s", strerror(errno));
		fd = openat(c->jfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		ue_die("cannot open the journal: %s", strerror(errno));
	return fd;
}

static void drop_journal(struct cctx *c)
{
	close(c->jfd);
	int r = rm_tree(c->lower, JOURNAL);
	if (r < 0)
		ue_die("cannot remove the journal %s/%s: %s", c->lower_name, JOURNAL, strerror(-r));
	/* The journal came and went in the lower's root: its times are the
	 * root's M operation's business, done again now. */
}

static void empty_upper(struct cctx *c)
{
	struct ldir d;
	int r = ldir_read(c->upper, &d);
	if (r < 0)
		ue_die("upper: %s", strerror(-r));
	for (size_t i = 0; i < d.n; i++)
		if ((r = rm_tree(c->upper, d.e[i].raw)) < 0)
			ue_die("cannot empty the upper: %s: %s", d.e[i].raw, strerror(-r));
	for (size_t i = 0; i < d.ntmp; i++)
		rm_tree(c->upper, d.tmp[i]);
	if (d.forms & F_OPQ_AUFS)
		unlinkat(c->upper, UE_AUFS_OPAQUE, 0);
	ldir_free(&d);
}

static void maybe_crash(struct cctx *c, size_t done)
{
	if (c->crash_after >= 0 && (long)done >= c->crash_after)
		_exit(99);   /* tests: an interruption at this point */
}

static void apply_all(struct cctx *c)
{
	maybe_crash(c, 0);
	for (size_t i = 0; i < c->nops; i++) {
		apply_op(c, &c->ops[i]);
		maybe_crash(c, i + 1);
	}
	progress_end();
	syncfs(c->lower);
	set_state(c, "applied");
}

static void finish(struct cctx *c)
{
	int r = rm_tree(c->jfd, "backup");
	if (r < 0)
		ue_die("cannot remove the backup: %s", strerror(-r));
	empty_upper(c);
	drop_journal(c);
	/* the root's metadata last: the journal changed its times */
	for (size_t i = 0; i < c->nops; i++)
		if (c->ops[i].type == OP_M && !strcmp(c->ops[i].path, "."))
			apply_meta_from_upper(c, &c->ops[i]);
}

static void rollback(struct cctx *c)
{
	for (size_t i = c->nops; i-- > 0;)
		undo_op(c, &c->ops[i]);
	drop_journal(c);
	for (size_t i = c->nops; i-- > 0;)
		if (c->ops[i].type == OP_M)
			restore_meta(c, &c->ops[i]);
}

/* A refusal while planning leaves no journal behind. */
static struct cctx *planning;

static void drop_unfinished_plan(void)
{
	if (planning) {
		rm_tree(planning->lower, JOURNAL);
		futimens(planning->lower, planning->root_times);
	}
}

static void usage(void)
{
	fputs(
"Usage: unionenv commit --lower DIR --upper DIR [--continue | --rollback] [--quiet]\n"
"\n"
"Apply the upper layer onto the lower: afterwards the lower's plain content is\n"
"what the union showed, and the upper is empty. Whiteouts remove, opaque\n"
"directories replace, everything else is put in place with its metadata.\n"
"Staged: the new entries are prepared in DIR/.unionenv.commit first, then put\n"
"in place by renames; the upper is emptied only when everything landed.\n"
"\n"
"  --continue   finish an interrupted commit\n"
"  --rollback   undo an interrupted commit (the lower as before, the upper kept)\n"
"  -q, --quiet  no progress line (drawn only when stderr is a terminal: the\n"
"               bytes staged, then the entries put in place)\n"
"\n"
"Only one lower: the one to write into. Overlay redirects and metacopy files\n"
"are refused before anything is written.\n"
"Exit status: 0 done, 125 error (one line on stderr).\n", stdout);
}

int main(int argc, char **argv)
{
	ue_prog = "unionenv commit";
	static const struct option opts[] = {
		{ "lower", required_argument, 0, 'l' },
		{ "upper", required_argument, 0, 'u' },
		{ "continue", no_argument, 0, 'c' },
		{ "rollback", no_argument, 0, 'r' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *lower = NULL, *upper = NULL;
	int cont = 0, back = 0, quiet = 0, o;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (o) {
		case 'q': quiet = 1; break;
		case 'l': lower = need_arg("--lower", optarg); break;
		case 'u': upper = need_arg("--upper", optarg); break;
		case 'c': cont = 1; break;
		case 'r': back = 1; break;
		case 'h': usage(); return 0;
		case ':': ue_usage("option '%s' needs a value", argv[optind - 1]);
		default: ue_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		ue_usage("unexpected argument '%s'", argv[optind]);
	if (!lower)
		ue_usage("missing --lower");
	if (!upper)
		ue_usage("missing --upper");
	if (cont && back)
		ue_usage("--continue and --rollback both given");
	if (strchr(lower, ':'))
		ue_die("commit writes into one lower: give only the one to write into (not '%s')", lower);
	ue_raise_nofile();
	progress_start(ue_prog, quiet);

	struct cctx c = { .lower_name = lower, .upper_name = upper, .is_root = geteuid() == 0,
	                  .crash_after = -1 };
	const char *ca = getenv("UNIONENV_COMMIT_CRASH_AFTER");
	if (ca && *ca)
		c.crash_after = strtol(ca, NULL, 10);
	c.lower = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.lower < 0)
		ue_die("lower '%s': %s", lower, strerror(errno));
	c.upper = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.upper < 0)
		ue_die("upper '%s': %s", upper, strerror(errno));
	char rl[PATH_MAX], ru[PATH_MAX];
	if (!realpath(lower, rl) || !realpath(upper, ru))
		ue_die("cannot resolve the layers: %s", strerror(errno));
	size_t ll = strlen(rl), lu = strlen(ru);
	if (!strcmp(rl, ru))
		ue_die("the lower and the upper are the same directory");
	if ((!strncmp(ru, rl, ll) && (ru[ll] == '/' || ll == 1)) ||
	    (!strncmp(rl, ru, lu) && (rl[lu] == '/' || lu == 1)))
		ue_die("the upper and the lower are inside one another");
	struct stat sl, su;
	fstat(c.lower, &sl);
	fstat(c.upper, &su);
	c.same_fs = sl.st_dev == su.st_dev;
	if (getenv("UNIONENV_COMMIT_COPY"))
		c.same_fs = 0;   /* tests: stage by copying, as across file systems */

	char state[64] = "";
	c.jfd = openat(c.lower, JOURNAL, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.jfd >= 0) {
		get_state(&c, state, sizeof state);
		if (!cont && !back)
			ue_die("an interrupted commit is in %s/%s: finish it with --continue or undo it "
			       "with --rollback", lower, JOURNAL);
		if (!strcmp(state, "applying") || !strcmp(state, "applied")) {
			read_plan(&c);
			c.stage = open_journal_dir(&c, "stage");
			c.backup = open_journal_dir(&c, "backup");
		}
		if (back) {
			if (!strcmp(state, "applied"))
				ue_die("the interrupted commit had landed entirely (the upper may be partly "
				       "emptied): it can only be finished, with --continue");
			if (!strcmp(state, "applying"))
				rollback(&c);
			else
				drop_journal(&c);
			return EX_OK;
		}
		if (!strcmp(state, "applying")) {
			pb_init(&c.path, "");
			apply_all(&c);
			finish(&c);
			return EX_OK;
		}
		if (!strcmp(state, "applied")) {
			finish(&c);
			return EX_OK;
		}
		/* stopped while staging: the lower was not touched; start again */
		drop_journal(&c);
	} else if (errno != ENOENT) {
		ue_die("lower '%s': %s: %s", lower, JOURNAL, strerror(errno));
	} else if (cont || back) {
		ue_die("no interrupted commit in '%s'", lower);
	}

	if (mkdirat(c.lower, JOURNAL, 0700) < 0)
		ue_die("lower '%s': cannot make the journal: %s", lower, strerror(errno));
	c.jfd = openat(c.lower, JOURNAL, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.jfd < 0)
		ue_die("lower '%s': %s", lower, strerror(errno));
	c.stage = open_journal_dir(&c, "stage");
	c.backup = open_journal_dir(&c, "backup");
	pb_init(&c.path, "");
	/* Refusals (redirects, metacopy, unreadable entries) come from the
	 * planning walk: the journal goes, the lower was not touched. */
	c.root_times[0] = sl.st_atim;
	c.root_times[1] = sl.st_mtim;
	planning = &c;
	atexit(drop_unfinished_plan);
	plan_dir(&c, c.upper, c.lower);
	struct op *root = add_op(&c, OP_M, "");
	root->mode = sl.st_mode & 07777;
	root->uid = sl.st_uid;
	root->gid = sl.st_gid;
	root->atime = sl.st_atim;
	root->mtime = sl.st_mtim;
	xattrs_get(c.lower, NULL, &root->x, 1);
	write_plan(&c);
	syncfs(c.lower);
	set_state(&c, "applying");
	planning = NULL;
	if (c.leftovers)
		ue_warn("left out %zu temporary name(s) of unfinished copy-ups (see unionenv fsck)", c.leftovers);
	apply_all(&c);
	finish(&c);
	return EX_OK;
}
