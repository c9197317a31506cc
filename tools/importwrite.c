/* unionenv import: an entry written into the upper, one component at a
 * time with O_NOFOLLOW; directories' metadata last (import.h). */
#include "import.h"
#include "progress.h"
#include "tar.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- writing ------------------------------------------------------------ */

/* The fd of directory `dir` (a cleaned name, "" for the root), made when
 * missing; never through a symlink.  Dies with the entry's name. */
static int open_parent(struct ictx *c, const char *dir, const char *entry)
{
	if (c->cache_name && !strcmp(c->cache_name, dir))
		return c->cache_fd;
	if (c->cache_name) {
		close(c->cache_fd);
		free(c->cache_name);
		c->cache_name = NULL;
	}
	int fd = dup(c->root);
	char *s = xstrdup(dir), *save = NULL;
	for (char *t = strtok_r(s, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		int n = openat(fd, t, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (n < 0 && errno == ENOENT) {
			if (mkdirat(fd, t, 0755) < 0 && errno != EEXIST)
				ue_die("%s: cannot make directory '%s': %s", entry, t, strerror(errno));
			n = openat(fd, t, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (n < 0) {
			struct stat st;
			if (errno == ELOOP || errno == ENOTDIR) {
				if (fstatat(fd, t, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
					ue_die("%s: path goes through a symbolic link ('%s') in the upper", entry, t);
				ue_die("%s: '%s' in the upper is not a directory", entry, t);
			}
			ue_die("%s: %s", entry, strerror(errno));
		}
		close(fd);
		fd = n;
	}
	free(s);
	c->cache_name = xstrdup(dir);
	c->cache_fd = fd;
	return fd;
}

/* Make room for a new entry `base` in dfd: a non-directory there goes; a
 * directory stays (returned 1) when the new entry is a directory too. */
static int clear_slot(struct ictx *c, int dfd, const char *base, const char *entry, int newdir,
                      int *was_wh)
{
	struct stat st;
	*was_wh = 0;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		if (newdir)
			return 1;
		if (unlinkat(dfd, base, AT_REMOVEDIR) < 0)
			ue_die("%s: a directory is in the way: %s", entry, strerror(errno));
		return 0;
	}
	*was_wh = S_ISCHR(st.st_mode) && st.st_rdev == 0;
	if (unlinkat(dfd, base, 0) < 0)
		ue_die("%s: %s", entry, strerror(errno));
	return 0;
}

static void set_xattrs(struct ictx *c, int dfd, const char *base, const struct xattrs *x, const char *entry)
{
	for (size_t i = 0; i < x->n; i++) {
		if (ue_xattr_is_marker(x->v[i].name)) {
			if (!c->warned_marker++)
				ue_warn("%s: overlay marker xattr '%s' in the archive left out", entry, x->v[i].name);
			continue;
		}
		int r = base ? lsetxattr(fdpath(dfd, base), x->v[i].name, x->v[i].value, x->v[i].len, 0)
		             : fsetxattr(dfd, x->v[i].name, x->v[i].value, x->v[i].len, 0);
		if (r < 0) {
			if (!c->warned_xattr++)
				ue_warn("%s: cannot set xattr '%s': %s (further such failures not shown)", entry,
				        x->v[i].name, strerror(errno));
		}
	}
}

static void set_owner(struct ictx *c, int dfd, const char *base, const struct tar_ent *e)
{
	if (fchownat(dfd, base, (uid_t)e->uid, (gid_t)e->gid, AT_SYMLINK_NOFOLLOW) < 0 && c->is_root)
		ue_die("%s: chown: %s", e->name, strerror(errno));
}

static void set_times(int dfd, const char *base, const struct tar_ent *e)
{
	struct timespec t[2] = { { e->mtime, e->mtime_ns }, { e->mtime, e->mtime_ns } };
	if (t[0].tv_nsec < 0) {
		t[0].tv_sec--;
		t[0].tv_nsec += 1000000000;
		t[1] = t[0];
	}
	utimensat(dfd, base, t, AT_SYMLINK_NOFOLLOW);
}

/* A file's or directory's owner, mode, xattrs and times, through an fd
 * already open on it (never by name: the name may have been replaced by a
 * later entry's symlink).  Owner before mode: chown clears set-id bits. */
static void keep_meta(struct ictx *c, int fd, const char *shown, uid_t uid, gid_t gid, mode_t mode,
                      const struct xattrs *x, struct timespec t)
{
	if (fchown(fd, uid, gid) < 0 && c->is_root)
		ue_die("%s: chown: %s", shown, strerror(errno));
	if (fchmod(fd, mode) < 0)
		ue_die("%s: chmod: %s", shown, strerror(errno));
	set_xattrs(c, fd, NULL, x, shown);
	futimens(fd, (struct timespec[2]){ t, t });
}

static void write_file(struct ictx *c, struct tarr *t, int dfd, const char *base, struct tar_ent *e)
{
	int fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		ue_die("%s: %s", e->name, strerror(errno));
	const char *err = NULL;
	for (;;) {
		long n = tarr_read(t, c->buf, 1 << 20, &err);
		if (n < 0)
			ue_die("%s: %s", e->name, err);
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			ssize_t w = write(fd, c->buf + off, (size_t)(n - off));
			if (w < 0)
				ue_die("%s: %s", e->name, strerror(errno));
			off += w;
			progress_bytes((uint64_t)w);
		}
	}
	keep_meta(c, fd, e->name, (uid_t)e->uid, (gid_t)e->gid, e->mode, &e->x,
	          (struct timespec){ e->mtime, e->mtime_ns });
	if (close(fd) < 0)
		ue_die("%s: %s", e->name, strerror(errno));
}

void apply_entry(struct ictx *c, struct tarr *t, struct tar_ent *e)
{
	char *name = e->name;
	char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	char *dir = slash ? xstrndup(name, (size_t)(slash - name)) : xstrdup("");

	if (!*name) {   /* the root itself ("./") */
		struct dmeta *d;
		c->dirs = xrealloc(c->dirs, (c->ndirs + 1) * sizeof *c->dirs);
		d = &c->dirs[c->ndirs++];
		memset(d, 0, sizeof *d);
		d->name = xstrdup("");
		d->mode = e->mode;
		d->uid = e->uid;
		d->gid = e->gid;
		d->t.tv_sec = e->mtime;
		d->t.tv_nsec = e->mtime_ns;
		d->x = e->x;
		e->x.v = NULL;
		e->x.n = 0;
		d->has_meta = 1;
		free(dir);
		return;
	}
	int dfd = open_parent(c, dir, name);
	int was_wh = 0;
	if (!strcmp(base, UE_AUFS_OPAQUE)) {
		if (!*dir && !c->warned_root_opq++)
			ue_warn("opaque marker at the layer's root: overlayfs ignores it on the upper's root");
		if (fsetxattr(dfd, UE_OVL_USER(OPAQUE), "y", 1, 0) < 0)
			ue_die("%s: cannot mark opaque: %s", name, strerror(errno));
		goto out;
	}
	if (ue_aufs_is_marker(base)) {
		const char *victim = ue_aufs_hidden(base);
		char *vname = xmalloc(strlen(name) + 1);
		snprintf(vname, strlen(name) + 1, "%s%s%s", dir, *dir ? "/" : "", victim);
		unsigned char *made = nset_get(&c->seen, vname, 0);
		struct stat st;
		if (made && *made != T_WH) {
			/* The layer holds the name itself: the whiteout is for the
			 * lowers only; a directory of the layer then hides theirs. */
			if (*made == T_DIR) {
				int vfd = openat(dfd, victim, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (vfd < 0 || fsetxattr(vfd, UE_OVL_USER(OPAQUE), "y", 1, 0) < 0)
					ue_die("%s: cannot mark '%s' opaque: %s", name, victim, strerror(errno));
				close(vfd);
			}
		} else if (fstatat(dfd, victim, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (!(S_ISCHR(st.st_mode) && st.st_rdev == 0)) {
				/* an entry the upper had before this import: it goes */
				if (S_ISDIR(st.st_mode))
					ue_die("%s: the upper has a directory '%s' here", name, victim);
				if (unlinkat(dfd, victim, 0) < 0 || mknodat(dfd, victim, S_IFCHR, makedev(0, 0)) < 0)
					ue_die("%s: cannot make the whiteout: %s", name, strerror(errno));
			}
		} else if (mknodat(dfd, victim, S_IFCHR, makedev(0, 0)) < 0) {
			ue_die("%s: cannot make the whiteout: %s", name, strerror(errno));
		}
		if (!made)
			*nset_get(&c->seen, vname, 1) = T_WH;
		free(vname);
		goto out;
	}
	switch (e->type) {
	case '5': {
		int exists = clear_slot(c, dfd, base, name, 1, &was_wh);
		if (!exists && mkdirat(dfd, base, 0700) < 0)
			ue_die("%s: %s", name, strerror(errno));
		if (was_wh && fsetxattr(open_parent(c, name, name), UE_OVL_USER(OPAQUE), "y", 1, 0) < 0)
			ue_die("%s: cannot mark opaque: %s", name, strerror(errno));
		c->dirs = xrealloc(c->dirs, (c->ndirs + 1) * sizeof *c->dirs);
		struct dmeta *d = &c->dirs[c->ndirs++];
		memset(d, 0, sizeof *d);
		d->name = xstrdup(name);
		d->mode = e->mode;
		d->uid = e->uid;
		d->gid = e->gid;
		d->t.tv_sec = e->mtime;
		d->t.tv_nsec = e->mtime_ns;
		d->x = e->x;
		e->x.v = NULL;
		e->x.n = 0;
		d->has_meta = 1;
		break;
	}
	case '0':
		clear_slot(c, dfd, base, name, 0, &was_wh);
		write_file(c, t, dfd, base, e);
		break;
	case '1': {
		const char *ln = e->linkname;
		const char *ls = strrchr(ln, '/');
		char *ldir = ls ? xstrndup(ln, (size_t)(ls - ln)) : xstrdup("");
		const char *lbase = ls ? ls + 1 : ln;
		/* open the target's dir without disturbing the parent cache */
		char *keep = c->cache_name;
		int keepfd = c->cache_fd;
		c->cache_name = NULL;
		int lfd = open_parent(c, ldir, name);
		int tfd = dup(lfd);
		close(c->cache_fd);
		free(c->cache_name);
		c->cache_name = keep;
		c->cache_fd = keepfd;
		clear_slot(c, dfd, base, name, 0, &was_wh);
		if (linkat(tfd, lbase, dfd, base, 0) < 0)
			ue_die("%s: hard link to '%s': %s", name, ln, strerror(errno));
		close(tfd);
		free(ldir);
		break;
	}
	case '2':
		clear_slot(c, dfd, base, name, 0, &was_wh);
		if (symlinkat(e->linkname, dfd, base) < 0)
			ue_die("%s: %s", name, strerror(errno));
		set_owner(c, dfd, base, e);
		set_xattrs(c, dfd, base, &e->x, name);
		set_times(dfd, base, e);
		break;
	case '3':
	case '4':
	case '6': {
		clear_slot(c, dfd, base, name, 0, &was_wh);
		mode_t m = e->type == '3' ? S_IFCHR : e->type == '4' ? S_IFBLK : S_IFIFO;
		if (mknodat(dfd, base, m | 0600, makedev(e->devmajor, e->devminor)) < 0)
			ue_die("%s: %s", name, strerror(errno));
		set_owner(c, dfd, base, e);
		if (fchmodat(dfd, base, e->mode, 0) < 0)
			ue_die("%s: chmod: %s", name, strerror(errno));
		set_xattrs(c, dfd, base, &e->x, name);
		set_times(dfd, base, e);
		break;
	}
	}
out:
	c->entries++;
	free(dir);
}

/* Directories' own metadata, last: through an fd opened without following
 * links, so that a later entry that put a symlink at the name cannot make
 * us change something outside. */
void finish_dirs(struct ictx *c)
{
	for (size_t i = c->ndirs; i-- > 0;) {
		struct dmeta *d = &c->dirs[i];
		char *slash = strrchr(d->name, '/');
		char *dir = slash ? xstrndup(d->name, (size_t)(slash - d->name)) : xstrdup("");
		const char *base = slash ? slash + 1 : d->name;
		int fd;
		if (*d->name)
			fd = openat(open_parent(c, dir, d->name), base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		else
			fd = dup(c->root);
		if (fd >= 0) {
			keep_meta(c, fd, *d->name ? d->name : ".", (uid_t)d->uid, (gid_t)d->gid, d->mode,
			          &d->x, d->t);
			close(fd);
		}
		xattrs_free(&d->x);
		free(d->name);
		free(dir);
	}
	free(c->dirs);
	c->dirs = NULL;
	c->ndirs = 0;
}
