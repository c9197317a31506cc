#include "mark.h"
#include "cache.h"
#include "config.h"
#include "form.h"
#include "path.h"
#include "readdir.h"
#include "sys.h"
#include "whiteout.h"

#include <limits.h>
#include <string.h>
#include <sys/sysmacros.h>

/* The directory part of real into dir. */
static int parent_of(char *dir, size_t size, const char *real)
{
	const char *slash = strrchr(real, '/');
	size_t n = slash && slash != real ? (size_t)(slash - real) : 1;
	if (n + 1 > size)
		return -ENAMETOOLONG;
	memcpy(dir, real, n);
	dir[n] = '\0';
	return 0;
}

/* The aufs marker of real: .wh.NAME beside it. */
static int aufs_marker(char *buf, size_t size, const char *real)
{
	const char *slash = strrchr(real, '/');
	const char *base = slash ? slash + 1 : real;
	if (strlen(base) + sizeof UE_AUFS_PREFIX - 1 > NAME_MAX)
		return -ENAMETOOLONG;  /* no room for the prefix: the form's own limit */
	size_t dl = (size_t)(base - real);
	if (dl + sizeof UE_AUFS_PREFIX + strlen(base) > size)
		return -ENAMETOOLONG;
	memcpy(buf, real, dl);
	strcpy(buf + dl, UE_AUFS_PREFIX);
	strcat(buf + dl, base);
	return 0;
}

/* An empty file at path, mode 0 as the kernel's whiteout device; one
 * already there will do. */
static int make_empty(const char *path)
{
	int fd = sys_openat(AT_FDCWD, path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd == -EEXIST ? 0 : fd;  /* mode 0: opening it again is refused */
	sys_close(fd);
	return 0;
}

/* Without the launcher's word, the form that the filesystem of dir takes
 * when it refused err: 1 when that is a later form (try again), else 0. */
static int next_form(const char *dir, int err)
{
	if (ue_cfg.upper_form_given || !ue_form_refused(err))
		return 0;
	int form = ue_form_probe(dir);
	if (form <= ue_cfg.upper_form)
		return 0;
	ue_cfg.upper_form = form;
	return 1;
}

/* The directory dir holds (or is about to hold) xattr whiteouts: marked
 * opaque=x, as the kernel reads them, unless it is opaque anyway.  The
 * cached node of a directory marked now says otherwise: announced. */
static int mark_xwhiteouts(const char *dir)
{
	char v[2];
	long n = sys_lgetxattr(dir, UE_XATTR_OPAQUE, v, sizeof v);
	if (n == 1 && (v[0] == 'x' || v[0] == 'y'))
		return 0;
	int r = sys_lsetxattr(dir, UE_XATTR_OPAQUE, "x", 1, 0);
	const char *rel = ue_path_under(dir, ue_cfg.layer[UE_UPPER].root, ue_cfg.layer[UE_UPPER].len);
	if (r == 0 && rel)
		ue_changed(rel, 0);
	return r;
}

/* An xattr whiteout, made under a temporary name in the directory of
 * real (into tmp), ready to be renamed into place. */
static int xattr_whiteout_tmp(char *tmp, size_t size, const char *real)
{
	char dir[PATH_MAX];
	int r;
	if ((r = parent_of(dir, sizeof dir, real)) < 0 || (r = mark_xwhiteouts(dir)) < 0 ||
	    (r = ue_tmp_name(tmp, size, dir)) < 0)
		return r;
	int fd = sys_openat(AT_FDCWD, tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return fd;
	/* Read-only once the xattr is set (setting it needs write permission),
	 * but readable: every user who reads the directory must read it. */
	if ((r = sys_fsetxattr(fd, UE_XATTR_WHITEOUT, "y", 1, 0)) == 0)
		r = sys_fchmod(fd, 0444);
	sys_close(fd);
	if (r < 0)
		sys_unlinkat(AT_FDCWD, tmp, 0);
	return r;
}

/* One try in the current form; the callers try again in the next form. */
static int make_whiteout_once(const char *real)
{
	char tmp[PATH_MAX];
	int r;
	switch (ue_cfg.upper_form) {
	case UE_FORM_AUFS:
		return (r = aufs_marker(tmp, sizeof tmp, real)) < 0 ? r : make_empty(tmp);
	case UE_FORM_XATTR:
		if ((r = xattr_whiteout_tmp(tmp, sizeof tmp, real)) < 0)
			return r;
		if ((r = sys_renameat2(AT_FDCWD, tmp, AT_FDCWD, real, RENAME_NOREPLACE)) == -EINVAL)
			r = sys_renameat2(AT_FDCWD, tmp, AT_FDCWD, real, 0);
		if (r < 0)
			sys_unlinkat(AT_FDCWD, tmp, 0);
		return r;
	default:
		return sys_mknodat(AT_FDCWD, real, S_IFCHR | 0000, makedev(0, 0));
	}
}

int ue_make_whiteout(const char *real)
{
	char dir[PATH_MAX];
	int r;
	while ((r = make_whiteout_once(real)) < 0 && parent_of(dir, sizeof dir, real) == 0 && next_form(dir, r))
		;
	return r;
}

static int replace_once(const char *real, int is_dir)
{
	char tmp[PATH_MAX];
	int r;
	switch (ue_cfg.upper_form) {
	case UE_FORM_AUFS:
		/* The marker first: from then on it hides whatever is at real. */
		if ((r = aufs_marker(tmp, sizeof tmp, real)) < 0 || (r = make_empty(tmp)) < 0)
			return r;
		if ((r = sys_unlinkat(AT_FDCWD, real, is_dir ? AT_REMOVEDIR : 0)) < 0)
			sys_unlinkat(AT_FDCWD, tmp, 0);
		return r;
	case UE_FORM_XATTR:
		if ((r = xattr_whiteout_tmp(tmp, sizeof tmp, real)) < 0)
			return r;
		/* A directory cannot be replaced by a file: swapped, then removed. */
		r = sys_renameat2(AT_FDCWD, tmp, AT_FDCWD, real, is_dir ? RENAME_EXCHANGE : 0);
		if (r == 0 && is_dir)
			sys_unlinkat(AT_FDCWD, tmp, AT_REMOVEDIR);
		else if (r < 0)
			sys_unlinkat(AT_FDCWD, tmp, 0);
		return r;
	default:
		/* The entry moves aside and a whiteout takes its place. */
		{
			char dir[PATH_MAX];
			if ((r = parent_of(dir, sizeof dir, real)) < 0 || (r = ue_tmp_name(tmp, sizeof tmp, dir)) < 0)
				return r;
		}
		r = sys_renameat2(AT_FDCWD, real, AT_FDCWD, tmp, RENAME_WHITEOUT);
		if (r == 0)
			sys_unlinkat(AT_FDCWD, tmp, is_dir ? AT_REMOVEDIR : 0);
		return r;
	}
}

int ue_whiteout_replace(const char *real, int is_dir)
{
	char dir[PATH_MAX];
	int r;
	while ((r = replace_once(real, is_dir)) < 0 && parent_of(dir, sizeof dir, real) == 0 && next_form(dir, r))
		;
	return r;
}

/* rename(from, to), with a whiteout left at from. */
static int rename_leaving_once(const char *from, const char *to)
{
	char tmp[PATH_MAX];
	int r;
	switch (ue_cfg.upper_form) {
	case UE_FORM_AUFS:
		/* The marker first: the old name never shows the lower's entry. */
		if ((r = aufs_marker(tmp, sizeof tmp, from)) < 0 || (r = make_empty(tmp)) < 0)
			return r;
		if ((r = sys_renameat2(AT_FDCWD, from, AT_FDCWD, to, 0)) < 0)
			sys_unlinkat(AT_FDCWD, tmp, 0);
		return r;
	case UE_FORM_XATTR:
		/* Ready before the move, so that nothing can fail after it: the
		 * lower's entry shows at the old name only between two renames. */
		if ((r = xattr_whiteout_tmp(tmp, sizeof tmp, from)) < 0)
			return r;
		if ((r = sys_renameat2(AT_FDCWD, from, AT_FDCWD, to, 0)) == 0)
			r = sys_renameat2(AT_FDCWD, tmp, AT_FDCWD, from, 0);
		if (r < 0)
			sys_unlinkat(AT_FDCWD, tmp, 0);
		return r;
	default:
		return sys_renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_WHITEOUT);
	}
}

int ue_rename_marked(const char *from, const char *to, int flags)
{
	char dir[PATH_MAX], marker[PATH_MAX];
	struct stat st;
	int r, leave = flags & UE_MV_WHITEOUT;
	/* The whiteout at `to` is an inode (a device, an xattr file) at the
	 * name, or an aufs marker beside it. */
	int over_inode = (flags & UE_MV_OVER) && sys_lstat(to, &st) == 0;
	int over_marker = (flags & UE_MV_OVER) && !over_inode;
	if (over_marker && (r = aufs_marker(marker, sizeof marker, to)) < 0)
		return r;
	if (over_inode && (flags & UE_MV_DIR)) {
		/* rename(2) cannot put a directory over a non-directory: swap
		 * them; the whiteout lands at the old name, which may need one. */
		if (leave && !S_ISCHR(st.st_mode) &&
		    ((r = parent_of(dir, sizeof dir, from)) < 0 || (r = mark_xwhiteouts(dir)) < 0))
			return r;
		r = sys_renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE);
		if (r == 0 && !leave)
			sys_unlinkat(AT_FDCWD, from, 0);
		return r;
	}
	if (!leave)
		r = sys_renameat2(AT_FDCWD, from, AT_FDCWD, to, 0);
	else
		while ((r = rename_leaving_once(from, to)) < 0 && parent_of(dir, sizeof dir, from) == 0 && next_form(dir, r))
			;
	if (r == 0 && over_marker && (r = sys_unlinkat(AT_FDCWD, marker, 0)) == -ENOENT)
		r = 0;
	return r;
}

static int set_opaque_once(const char *real_dir)
{
	char marker[PATH_MAX];
	int r;
	switch (ue_cfg.upper_form) {
	case UE_FORM_AUFS: {
		/* A marker inside is no change of the directory's own: its times stay. */
		struct stat st;
		if ((r = sys_lstat(real_dir, &st)) < 0 ||
		    (r = ue_path_join(marker, sizeof marker, real_dir, UE_AUFS_OPAQUE)) < 0 || (r = make_empty(marker)) < 0)
			return r;
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		sys_utimensat(AT_FDCWD, real_dir, ts, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	case UE_FORM_XATTR:
		/* Opaque=y replaces opaque=x: the xattr whiteouts would then read
		 * as empty files.  Nothing below is shown any more: they go. */
		if ((r = ue_dir_drop_whiteouts(real_dir)) < 0)
			return r;
		/* fall through */
	default:
		return sys_lsetxattr(real_dir, UE_XATTR_OPAQUE, "y", 1, 0);
	}
}

int ue_set_opaque(const char *real_dir)
{
	int r;
	while ((r = set_opaque_once(real_dir)) < 0 && next_form(real_dir, r))
		;
	return r;
}

int ue_name_reserved(const char *name)
{
	return ue_cfg.upper_form == UE_FORM_AUFS && !strncmp(name, UE_AUFS_PREFIX, sizeof UE_AUFS_PREFIX - 1);
}
