#include "markform.h"
#include "markers.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

unsigned target_forms(int to)
{
	switch (to) {
	case TO_AUFS: return F_WH_AUFS | F_OPQ_AUFS;
	case TO_TRUSTED: return F_WH_CHR | F_OPQ_TRUSTED;
	default: return F_WH_CHR | F_OPQ_USER;
	}
}

const char *form_name(unsigned f)
{
	switch (f) {
	case F_WH_CHR: return "character device 0/0";
	case F_WH_XATTR: return "xattr whiteout";
	case F_WH_AUFS: return "aufs .wh.NAME";
	case F_OPQ_USER: return UE_OVL_USER(OPAQUE);
	case F_OPQ_TRUSTED: return UE_OVL_TRUSTED(OPAQUE);
	case F_OPQ_FUSE: return UE_FUSE_OPAQUE;
	case F_OPQ_AUFS: return UE_AUFS_OPAQUE;
	default: return "?";
	}
}

static void copy_meta(int dfd, const char *name, const struct stat *from)
{
	struct timespec t[2] = { from->st_atim, from->st_mtim };
	fchownat(dfd, name, from->st_uid, from->st_gid, AT_SYMLINK_NOFOLLOW);
	fchmodat(dfd, name, from->st_mode & 07777, 0);
	utimensat(dfd, name, t, AT_SYMLINK_NOFOLLOW);
}

static void die_at(const char *path, const char *name, const char *what, int e)
{
	ue_die("%s%s%s: %s: %s", path, *path && name ? "/" : "", name ? name : "", what, strerror(e));
}

static int make_aufs_wh(int fd, const char *path, const char *name, const struct stat *meta)
{
	char wn[PATH_MAX];
	int r = ue_aufs_marker(wn, sizeof wn, name);
	if (r < 0)
		die_at(path, name, "cannot make the whiteout", -r);
	int f = openat(fd, wn, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
	if (f < 0 && errno != EEXIST)
		die_at(path, wn, "cannot make the whiteout", errno);
	if (f >= 0)
		close(f);
	copy_meta(fd, wn, meta);
	return 0;
}

static void make_chr_wh(int fd, const char *path, const char *name, const struct stat *meta, int replace)
{
	static unsigned long counter;
	if (!replace) {
		if (mknodat(fd, name, S_IFCHR | (meta->st_mode & 07777), makedev(0, 0)) < 0) {
			struct stat st;
			if (errno != EEXIST || fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISCHR(st.st_mode) || st.st_rdev != 0)
				die_at(path, name, "cannot make the whiteout", errno);
		}
		copy_meta(fd, name, meta);
		return;
	}
	/* Over an xattr whiteout: made aside, renamed into place. */
	char tmp[64];
	snprintf(tmp, sizeof tmp, CV_TMP_PREFIX "%d.%lu", (int)getpid(), counter++);
	if (mknodat(fd, tmp, S_IFCHR | (meta->st_mode & 07777), makedev(0, 0)) < 0)
		die_at(path, name, "cannot make the whiteout", errno);
	copy_meta(fd, tmp, meta);
	if (renameat(fd, tmp, fd, name) < 0)
		die_at(path, name, "cannot put the whiteout in place", errno);
}

static void rm_opaque(int fd, const char *path, unsigned f)
{
	int r = 0;
	switch (f) {
	case F_OPQ_USER: r = fremovexattr(fd, UE_OVL_USER(OPAQUE)); break;
	case F_OPQ_TRUSTED: r = fremovexattr(fd, UE_OVL_TRUSTED(OPAQUE)); break;
	case F_OPQ_FUSE: r = fremovexattr(fd, UE_FUSE_OPAQUE); break;
	case F_OPQ_AUFS: r = unlinkat(fd, UE_AUFS_OPAQUE, 0); break;
	}
	if (r < 0 && errno != ENODATA && errno != ENOENT)
		die_at(path, NULL, "cannot remove the opaque marker", errno);
}

size_t convert_dir(int fd, const struct ldir *d, const char *path, int to, mk_note note, void *ctx)
{
	size_t n = 0;
	struct stat dst;
	if (fstat(fd, &dst) < 0)
		die_at(path, NULL, "stat", errno);
	for (size_t i = 0; i < d->ntmp; i++) {
		if (strncmp(d->tmp[i], CV_TMP_PREFIX, sizeof CV_TMP_PREFIX - 1))
			continue;
		if (unlinkat(fd, d->tmp[i], 0) < 0 && errno != ENOENT)
			die_at(path, d->tmp[i], "cannot remove", errno);
		n++;
	}
	int chr = to != TO_AUFS;
	size_t xwh_left = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct lent *e = &d->e[i];
		if (e->kind != K_WHITEOUT)
			continue;
		if ((chr && e->form == F_WH_CHR) || (!chr && e->form == F_WH_AUFS))
			continue;
		struct stat st;
		if (fstatat(fd, e->raw, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die_at(path, e->raw, "stat", errno);
		if (chr) {
			make_chr_wh(fd, path, e->name, &st, e->form == F_WH_XATTR);
			if (e->form == F_WH_AUFS && unlinkat(fd, e->raw, 0) < 0)
				die_at(path, e->raw, "cannot remove the old whiteout", errno);
		} else {
			make_aufs_wh(fd, path, e->name, &st);
			if (unlinkat(fd, e->raw, 0) < 0)
				die_at(path, e->raw, "cannot remove the old whiteout", errno);
		}
		if (note)
			note(ctx, path, e->name, form_name(chr ? F_WH_CHR : F_WH_AUFS));
		n++;
	}
	(void)xwh_left;
	if (d->forms & F_XWH_PARENT) {
		/* No xattr whiteouts are left here: the parent's flag goes. */
		unsigned x = ue_dir_xattrs(fd, NULL);
		fremovexattr(fd, UE_OVL_USER(WHITEOUTS));
		fremovexattr(fd, UE_OVL_TRUSTED(WHITEOUTS));
		if (x & UE_DX_XWH_USER)
			fremovexattr(fd, UE_OVL_USER(OPAQUE));
		if (x & UE_DX_XWH_TRUSTED)
			fremovexattr(fd, UE_OVL_TRUSTED(OPAQUE));
		n++;
	}
	if (d->opaque) {
		unsigned want = to == TO_AUFS ? F_OPQ_AUFS : to == TO_TRUSTED ? F_OPQ_TRUSTED : F_OPQ_USER;
		if (!(d->forms & want)) {
			int r = 0;
			if (want == F_OPQ_USER)
				r = fsetxattr(fd, UE_OVL_USER(OPAQUE), "y", 1, 0);
			else if (want == F_OPQ_TRUSTED)
				r = fsetxattr(fd, UE_OVL_TRUSTED(OPAQUE), "y", 1, 0);
			else {
				int f = openat(fd, UE_AUFS_OPAQUE, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0);
				r = f < 0 ? -1 : close(f);
			}
			if (r < 0)
				die_at(path, NULL, want == F_OPQ_TRUSTED ? "cannot set " UE_OVL_PREFIX_TRUSTED "opaque (needs root)"
				                                          : "cannot mark opaque", errno);
			if (note)
				note(ctx, path, NULL, form_name(want));
			n++;
		}
		unsigned old = d->forms & F_OPAQUE & ~want;
		for (unsigned f = 1; f; f <<= 1)
			if (old & f) {
				rm_opaque(fd, path, f);
				n++;
			}
	}
	if (n) {
		struct timespec t[2] = { dst.st_atim, dst.st_mtim };
		futimens(fd, t);
	}
	return n;
}

int markers_form(const char *name)
{
	return !strcmp(name, "overlay") ? TO_OVERLAY : !strcmp(name, "aufs") ? TO_AUFS
	     : !strcmp(name, "overlay-trusted") ? TO_TRUSTED : -1;
}
