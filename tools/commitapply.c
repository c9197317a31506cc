/* unionenv commit, phases 2 and 3: apply the plan, undo it (--rollback),
 * finish (drop the backup, empty the upper, drop the journal). */
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

/* ---- applying and undoing ------------------------------------------------- */

void set_state(struct cctx *c, const char *state)
{
	int fd = openat(c->jfd, "state.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, state, strlen(state)) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
	    renameat(c->jfd, "state.tmp", c->jfd, "state") < 0)
		ue_die("cannot record the commit's state: %s", strerror(errno));
	fsync(c->jfd);
}

void get_state(struct cctx *c, char *buf, size_t size)
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
	if (o->type == OP_T) {
		restore_meta(c, o);
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
	if (o->type == OP_M || o->type == OP_T) {
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

int open_journal_dir(struct cctx *c, const char *name)
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

void drop_journal(struct cctx *c)
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

/* The index's entries: their upper names went with the upper, the lower's
 * names are plain files now (the kernel would remove what is left at its
 * next mount, an entry of the lower's new file would stay and link into
 * the lower).  Directory and whiteout entries are a kernel's nfs_export. */
static void drop_index(struct cctx *c)
{
	if (c->xfd < 0)
		return;
	struct ldir d;
	int r = ldir_read(c->xfd, &d);
	if (r < 0)
		ue_die("index: %s", strerror(-r));
	for (size_t i = 0; i < d.n; i++) {
		struct stat st;
		if (fstatat(c->xfd, d.e[i].raw, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    unlinkat(c->xfd, d.e[i].raw, 0) < 0 && errno != ENOENT)
			ue_die("index: %s: %s", d.e[i].raw, strerror(errno));
	}
	ldir_free(&d);
}

static void maybe_crash(struct cctx *c, size_t done)
{
	if (c->crash_after >= 0 && (long)done >= c->crash_after)
		_exit(99);   /* tests: an interruption at this point */
}

void apply_all(struct cctx *c)
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

void finish(struct cctx *c)
{
	int r = rm_tree(c->jfd, "backup");
	if (r < 0)
		ue_die("cannot remove the backup: %s", strerror(-r));
	empty_upper(c);
	drop_index(c);
	drop_journal(c);
	/* the root's metadata last: the journal changed its times */
	for (size_t i = 0; i < c->nops; i++)
		if (c->ops[i].type == OP_M && !strcmp(c->ops[i].path, "."))
			apply_meta_from_upper(c, &c->ops[i]);
}

void rollback(struct cctx *c)
{
	for (size_t i = c->nops; i-- > 0;)
		undo_op(c, &c->ops[i]);
	drop_journal(c);
	for (size_t i = c->nops; i-- > 0;)
		if (c->ops[i].type == OP_M || c->ops[i].type == OP_T)
			restore_meta(c, &c->ops[i]);
}
