/* unionenv import: an OCI image layer (tar) into an upper layer in the
 * kernel's unprivileged format.
 *
 * ".wh.NAME" becomes a whiteout (character device 0/0) unless the layer
 * itself holds NAME; "DIR/.wh..wh..opq" makes DIR opaque
 * (user.overlay.opaque=y); a directory that replaces a whiteout is opaque.
 *
 * Safety: every name is checked before anything is written (absolute
 * names, "..", paths through a symlink or a non-directory of the archive,
 * hard links to names the archive has not made, unsupported types), when
 * the input can be read twice (a file); from a pipe, each entry is checked
 * before it is written.  Writing walks from the upper's root one component
 * at a time with O_NOFOLLOW, so nothing lands outside the upper, whatever
 * the archive or the upper already holds.  Symbolic links are stored as
 * they are (absolute targets are normal in layers) and never followed. */
#include "layer.h"
#include "progress.h"
#include "tar.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- a set of names ---------------------------------------------------- */

struct nset {
	char **k;
	unsigned char *v;
	size_t cap, n;
};

static size_t nhash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static unsigned char *nset_get(struct nset *s, const char *key, int add)
{
	if (add && (s->n + 1) * 2 > s->cap) {
		struct nset old = *s;
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->k = xcalloc(s->cap, sizeof *s->k);
		s->v = xcalloc(s->cap, 1);
		s->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.k[i]) {
				size_t h = nhash(old.k[i]) & (s->cap - 1);
				while (s->k[h])
					h = (h + 1) & (s->cap - 1);
				s->k[h] = old.k[i];
				s->v[h] = old.v[i];
				s->n++;
			}
		free(old.k);
		free(old.v);
	}
	if (!s->cap)
		return NULL;
	size_t h = nhash(key) & (s->cap - 1);
	for (; s->k[h]; h = (h + 1) & (s->cap - 1))
		if (!strcmp(s->k[h], key))
			return &s->v[h];
	if (!add)
		return NULL;
	s->k[h] = xstrdup(key);
	s->n++;
	return &s->v[h];
}

static void nset_free(struct nset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->k[i]);
	free(s->k);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* ---- names ------------------------------------------------------------- */

/* Normalise an archive name in place: drop "./" and doubled and trailing
 * slashes.  Returns an error message for names that could leave the upper. */
static const char *clean_name(char *s)
{
	if (s[0] == '/')
		return "absolute name";
	char *o = s;
	const char *p = s;
	while (*p) {
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
			p = e;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "name with '..'";
		if (o != s)
			*o++ = '/';
		memmove(o, p, n);
		o += n;
		p = e;
	}
	*o = 0;
	return NULL;
}

static const char *base_of(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

/* ---- checking ----------------------------------------------------------- */

enum { T_NONE, T_DIR, T_FILE, T_LINK, T_OTHER, T_WH };

struct ictx {
	int root;              /* the upper's fd */
	int is_root;
	struct nset seen;      /* name -> T_* as the archive made it */
	struct nset made_wh;   /* whiteouts this import made */
	/* directories' metadata, applied once everything is in */
	struct dmeta {
		char *name;
		unsigned mode;
		uint64_t uid, gid;
		struct timespec t;
		struct xattrs x;
		int has_meta;
	} *dirs;
	size_t ndirs;
	/* the parent dir of the last entry, kept open */
	char *cache_name;
	int cache_fd;
	char *buf;
	int warned_xattr, warned_marker, warned_root_opq;
	uint64_t entries;
};

/* Check one entry against what the archive made before it; records it.
 * Returns an error message or NULL. */
static const char *check_entry(struct ictx *c, struct tar_ent *e, char **why_name)
{
	const char *err = clean_name(e->name);
	*why_name = NULL;
	if (err)
		return err;
	/* every proper prefix must be a directory, if the archive made it */
	for (char *p = e->name; (p = strchr(p, '/')); p++) {
		*p = 0;
		unsigned char *t = nset_get(&c->seen, e->name, 0);
		unsigned char tv = t ? *t : T_NONE;
		if (tv == T_LINK)
			err = "path goes through a symbolic link of the archive";
		else if (tv == T_FILE || tv == T_OTHER)
			err = "path goes through a non-directory of the archive";
		if (err)
			*why_name = xstrdup(e->name);
		*p = '/';
		if (err)
			return err;
	}
	const char *b = base_of(e->name);
	if (ue_aufs_is_marker(b)) {
		if (e->type != '0')
			return "whiteout that is not a regular file";
		if (!strcmp(b, UE_AUFS_OPAQUE))
			return NULL;
		if (!*ue_aufs_hidden(b) || !strcmp(ue_aufs_hidden(b), ".") || !strcmp(ue_aufs_hidden(b), ".."))
			return "malformed whiteout name";
		return NULL;
	}
	if (!*e->name && e->type != '5')
		return "empty name";
	if (e->type == '1') {
		const char *le = clean_name(e->linkname);
		if (le)
			return le[0] == 'a' ? "hard link to an absolute name" : "hard link with '..'";
		unsigned char *t = nset_get(&c->seen, e->linkname, 0);
		if (!t || (*t != T_FILE && *t != T_OTHER && *t != T_LINK))
			return "hard link to a name the archive has not made";
	}
	if ((e->type == '3' || e->type == '4') && !c->is_root &&
	    !(e->type == '3' && e->devmajor == 0 && e->devminor == 0))
		return "device node (needs root)";
	unsigned char type = e->type == '5' ? T_DIR : e->type == '2' ? T_LINK :
	                     e->type == '0' || e->type == '1' ? T_FILE : T_OTHER;
	if (*e->name)
		*nset_get(&c->seen, e->name, 1) = type;
	return NULL;
}

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
	if (fchown(fd, (uid_t)e->uid, (gid_t)e->gid) < 0 && c->is_root)
		ue_die("%s: chown: %s", e->name, strerror(errno));
	if (fchmod(fd, e->mode) < 0)
		ue_die("%s: chmod: %s", e->name, strerror(errno));
	set_xattrs(c, dfd, base, &e->x, e->name);
	struct timespec ts[2] = { { e->mtime, e->mtime_ns }, { e->mtime, e->mtime_ns } };
	futimens(fd, ts);
	if (close(fd) < 0)
		ue_die("%s: %s", e->name, strerror(errno));
}

static void apply_entry(struct ictx *c, struct tarr *t, struct tar_ent *e)
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
static void finish_dirs(struct ictx *c)
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
			const char *shown = *d->name ? d->name : ".";
			if (fchown(fd, (uid_t)d->uid, (gid_t)d->gid) < 0 && c->is_root)
				ue_die("%s: chown: %s", shown, strerror(errno));
			if (fchmod(fd, d->mode) < 0)
				ue_die("%s: chmod: %s", shown, strerror(errno));
			set_xattrs(c, fd, NULL, &d->x, shown);
			futimens(fd, (struct timespec[2]){ d->t, d->t });
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

static void usage(void)
{
	fputs(
"Usage: unionenv import [--quiet] [--upper] DIR LAYER.tar|-\n"
"       unionenv import [--quiet] LAYER.tar|- --upper DIR\n"
"\n"
"Unpack an OCI image layer into an upper layer in the kernel's unprivileged\n"
"overlayfs format: .wh.NAME becomes a whiteout (character device 0/0),\n"
"DIR/.wh..wh..opq makes DIR opaque (user.overlay.opaque=y). The upper is made\n"
"when missing. gzip and zstd input are recognised.\n"
"\n"
"Every name is checked before anything is written (from a file; from a\n"
"pipe, each entry before it is written): absolute names, '..', paths through\n"
"a symbolic link or a non-directory, hard links to names the archive has not\n"
"made, device nodes without root are refused. Nothing is ever written\n"
"outside the upper.\n"
"\n"
"On a terminal, a progress line on stderr counts the entries and bytes\n"
"written; -q, --quiet: none.\n"
"\n"
"Exit status: 0 done, 125 error (one line on stderr).\n", stdout);
}

int main(int argc, char **argv)
{
	ue_prog = "unionenv import";
	static const struct option opts[] = {
		{ "upper", required_argument, 0, 'u' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *upper = NULL, *in = NULL;
	int o, quiet = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (o) {
		case 'u': upper = need_arg("--upper", optarg); break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case ':': ue_usage("option '%s' needs a value", argv[optind - 1]);
		default: ue_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!upper && argc - optind == 2) {
		upper = argv[optind];
		in = argv[optind + 1];
	} else if (upper && argc - optind == 1) {
		in = argv[optind];
	} else if (argc - optind == 0) {
		ue_usage("missing the layer to import");
	} else {
		ue_usage(upper ? "give one layer" : "missing --upper");
	}
	if (!*upper)
		ue_usage("empty upper name");
	ue_raise_nofile();

	int fd = !strcmp(in, "-") ? 0 : open(in, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		ue_die("'%s': %s", in, strerror(errno));
	struct stat ist;
	if (fstat(fd, &ist) < 0)
		ue_die("'%s': %s", in, strerror(errno));
	if (S_ISDIR(ist.st_mode))
		ue_die("'%s': is a directory, not a tar archive", in);
	int seekable = S_ISREG(ist.st_mode) && lseek(fd, 0, SEEK_CUR) == 0;

	struct ictx c = { .is_root = geteuid() == 0 };
	const char *err = NULL;
	struct tar_ent e;
	char *why = NULL;
	/* Pass 1: check every entry, write nothing. */
	if (seekable) {
		struct tarr *t = tarr_open(fd, &err);
		if (!t)
			ue_die("'%s': %s", in, err);
		int r;
		while ((r = tarr_next(t, &e, &err)) > 0) {
			const char *bad = check_entry(&c, &e, &why);
			if (bad)
				ue_die("'%s': %s: %s%s%s%s", in, e.name, bad, why ? " ('" : "", why ? why : "",
				       why ? "')" : "");
			tar_ent_free(&e);
		}
		if (r < 0)
			ue_die("'%s': %s", in, err);
		tarr_close(t);
		nset_free(&c.seen);
		if (lseek(fd, 0, SEEK_SET) != 0)
			ue_die("'%s': %s", in, strerror(errno));
	}
	/* The upper: made when missing; must be a directory. */
	struct stat ust;
	if (stat(upper, &ust) < 0) {
		if (errno != ENOENT)
			ue_die("upper '%s': %s", upper, strerror(errno));
		if (mkdir(upper, 0755) < 0)
			ue_die("upper '%s': %s", upper, strerror(errno));
	} else if (!S_ISDIR(ust.st_mode)) {
		ue_die("upper '%s': Not a directory", upper);
	}
	c.root = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.root < 0)
		ue_die("upper '%s': %s", upper, strerror(errno));
	c.buf = xmalloc(1 << 20);
	/* Pass 2: check again (a pipe is read only once) and write. */
	progress_start(ue_prog, quiet);
	struct tarr *t = tarr_open(fd, &err);
	if (!t)
		ue_die("'%s': %s", in, err);
	int r;
	while ((r = tarr_next(t, &e, &err)) > 0) {
		const char *bad = check_entry(&c, &e, &why);
		if (bad)
			ue_die("'%s': %s: %s%s%s%s", in, e.name, bad, why ? " ('" : "", why ? why : "",
			       why ? "')" : "");
		apply_entry(&c, t, &e);
		progress_entry(0);
		tar_ent_free(&e);
	}
	if (r < 0)
		ue_die("'%s': %s", in, err);
	tarr_close(t);
	finish_dirs(&c);
	progress_end();
	return EX_OK;
}
