#include "mark.h"
#include "cache.h"
#include "config.h"
#include "form.h"
#include "layerpath.h"
#include "hideseq.h"
#include "markers.h"
#include "ondir.h"
#include "opaquetree.h"
#include "path.h"
#include "procfd.h"
#include "readdir.h"
#include "sharedwhiteout.h"
#include "sys.h"
#include "tmpentry.h"
#include "trace.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

/* The directory dir, open as dfd, holds (or is about to hold) xattr
 * whiteouts: marked opaque=x, as the kernel reads them, unless it is
 * opaque anyway.  Marked through the fd, so that the mark lands on the
 * directory the whiteout is made in even when a racer renames it away and
 * puts another at its name meanwhile (a whiteout in an unmarked directory
 * reads as an empty file).  The cached node of a directory marked now
 * says otherwise: announced. */
static int mark_xwhiteouts(const char *dir, int dfd)
{
	char v[2], proc[32];
	ue_proc_fd(proc, sizeof proc, dfd, NULL);
	long n = sys_getxattr(proc, UE_OVL_USER(OPAQUE), v, sizeof v);
	if (n == 1 && (v[0] == 'x' || v[0] == 'y'))
		return 0;
	/* Made only where no mark is: a racer that copies the directory whole
	 * marks it opaque=y between our look and this, and x written over y
	 * would make it merge the lowers again (and keep its whiteouts). */
	int r = sys_setxattr(proc, UE_OVL_USER(OPAQUE), "x", 1, n == -ENODATA ? XATTR_CREATE : 0);
	if (r == -EEXIST)
		return mark_xwhiteouts(dir, dfd);
	const char *rel = ue_path_under(dir, ue_cfg.layer[UE_UPPER].root, ue_cfg.layer[UE_UPPER].len);
	if (r == 0 && rel)
		ue_changed(rel, 0);
	return r;
}

/* An xattr whiteout, made under t's temporary name in the directory t
 * holds (dir: its path, for the cache), ready to be renamed into place;
 * nothing is left at the name on failure. */
static int xattr_whiteout_in(struct ue_tmp *t, const char *dir)
{
	int r;
	if ((r = mark_xwhiteouts(dir, t->dfd)) < 0)
		return r;
	int fd = sys_openat(t->dfd, t->name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return fd;
	/* Read-only once the xattr is set (setting it needs write permission),
	 * but readable: every user who reads the directory must read it. */
	if ((r = sys_fsetxattr(fd, UE_OVL_USER(WHITEOUT), "y", 1, 0)) == 0)
		r = sys_fchmod(fd, 0444);
	sys_close(fd);
	if (r < 0)
		sys_unlinkat(t->dfd, t->name, 0);
	return r;
}

/* xattr_whiteout_in the directory of real, opened as t (which the caller
 * closes on success). */
static int xattr_whiteout_tmp(struct ue_tmp *t, const char *real)
{
	char dir[UE_PATH_MAX];
	int r;
	if ((r = ue_path_parent(dir, sizeof dir, real)) < 0 || (r = ue_tmp_open(t, dir)) < 0)
		return r;
	if ((r = xattr_whiteout_in(t, dir)) < 0)
		ue_tmp_close(t);
	return r;
}

/* The whiteout at base in dir (a path; "/proc/self/fd/N/." for an fd) was
 * made on our caller's look, when a lower showed through dir.  A racer
 * that copies dir up whole makes it opaque (ahead of a rename): once it
 * is, the whiteout hides nothing and goes, whichever of us came last
 * (ue_set_opaque_clean drops the whiteouts after marking). */
static void drop_whiteout_at(int dfd, const char *base)
{
	char marker[NAME_MAX + 1];
	if (ue_cfg.upper_form != UE_FORM_AUFS) {
		if (ue_tmp_is_whiteout(dfd, base))
			sys_unlinkat(dfd, base, 0);
	} else if (strlen(base) + sizeof UE_AUFS_PREFIX <= sizeof marker) {
		sys_unlinkat(dfd, strcat(strcpy(marker, UE_AUFS_PREFIX), base), 0);
	}
}

/* A whiteout of base in the upper directory dfd hides nothing once a
 * racer's copy has made dfd opaque. */
static void unneeded_whiteout(int dfd, const char *base)
{
	if (ue_opaque_dir_fd(dfd))
		drop_whiteout_at(dfd, base);
}

void ue_drop_whiteout(const char *real)
{
	char marker[UE_PATH_MAX];
	if (ue_cfg.upper_form != UE_FORM_AUFS)
		drop_whiteout_at(AT_FDCWD, real);
	else if (ue_aufs_marker(marker, sizeof marker, real) == 0)
		sys_unlinkat(AT_FDCWD, marker, 0);
}

/* The aufs marker of base made (its name into marker) in the directory t
 * holds: 1, or 0 when one was there already (mode 0: it will do). */
static int aufs_marker_in(struct ue_tmp *t, const char *base, char *marker, size_t size)
{
	if (strlen(base) + sizeof UE_AUFS_PREFIX > size)
		return -ENAMETOOLONG;
	if (strlen(base) + sizeof UE_AUFS_PREFIX - 1 > NAME_MAX)
		return -ENAMETOOLONG;  /* no room for the prefix: the form's own limit */
	strcat(strcpy(marker, UE_AUFS_PREFIX), base);
	int fd = sys_openat(t->dfd, marker, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0);
	if (fd >= 0)
		sys_close(fd);
	return fd >= 0 ? 1 : fd == -EEXIST ? 0 : fd;
}

/* The marker goes again after the step it was made for failed (err), but
 * only one we made (made = 1): one that was there is a racer's, whose
 * removal or move of the name relies on it; and not where the name has
 * gone meanwhile (-ENOENT): whoever took it relies on the marker too.
 * An ENOENT with the name still there came from elsewhere (a rename's
 * target directory gone): the marker would hide the name, and goes. */
static void aufs_marker_undo(struct ue_tmp *t, const char *marker, int made, int err)
{
	struct stat st;
	if (made && (err != -ENOENT ||
	             sys_fstatat(t->dfd, marker + sizeof UE_AUFS_PREFIX - 1, &st, AT_SYMLINK_NOFOLLOW) == 0))
		sys_unlinkat(t->dfd, marker, 0);
}

/* aufs_marker_in the directory of real, opened as t (left open on
 * success). */
static int aufs_marker_at(struct ue_tmp *t, const char *real, char *marker, size_t size)
{
	const char *base;
	int r;
	if (strlen(ue_path_base(real)) + sizeof UE_AUFS_PREFIX > size)
		return -ENAMETOOLONG;
	if ((r = ue_tmp_open_parent(t, real, &base)) < 0)
		return r;
	if ((r = aufs_marker_in(t, base, marker, size)) < 0)
		ue_tmp_close(t);
	return r;
}

/* The aufs marker of base in the directory t holds, where the upper has
 * nothing at base.  The marker sits beside the name, so nothing stops a
 * racer from copying the name up meanwhile (the device form's mknod would
 * fail): with the marker hiding it, the copy goes as an upper entry's
 * removal would take it, or, a directory with content in it, the marker
 * goes and the removal fails.  Both through one fd of the directory,
 * wherever a rename takes it. */
static int aufs_whiteout(struct ue_tmp *t, const char *base)
{
	char marker[NAME_MAX + 1];
	struct stat st;
	int made;
	if ((made = aufs_marker_in(t, base, marker, sizeof marker)) < 0)
		return made;
	if (sys_fstatat(t->dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		int r = sys_unlinkat(t->dfd, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
		if (r < 0 && r != -ENOENT) {
			aufs_marker_undo(t, marker, made, r);
			return r;
		}
	}
	return 0;
}

/* One try in the current form, in the directory t holds (dir: its path),
 * at base; the callers try again in the next form. */
static int make_whiteout_once(struct ue_tmp *t, const char *dir, const char *base)
{
	int r;
	switch (ue_cfg.upper_form) {
	case UE_FORM_AUFS:
		return aufs_whiteout(t, base);
	case UE_FORM_XATTR:
		if ((!t->name[0] && (r = ue_tmp_name_pick(t)) < 0) || (r = xattr_whiteout_in(t, dir)) < 0)
			return r;
		if ((r = sys_renameat2(t->dfd, t->name, t->dfd, base, RENAME_NOREPLACE)) == -EINVAL)
			r = sys_renameat2(t->dfd, t->name, t->dfd, base, 0);
		if (r < 0)
			sys_unlinkat(t->dfd, t->name, 0);
		return r;
	default:
		return ue_whiteout_device(t->dfd, base);
	}
}

/* unneeded_whiteout, and whether the directory is plain: outside the aufs
 * form one listing of its xattrs answers both where it carries no marker
 * (the opaque mark is looked for only where one may be), and the
 * removal's check of the directory (core/ops.c) need not list it again. */
static int unneeded_whiteout_plain(int dfd, const char *base)
{
	if (ue_cfg.upper_form != UE_FORM_AUFS && ue_upper_dir_plain_at(dfd, "."))
		return 1;
	unneeded_whiteout(dfd, base);
	return 0;
}

/* A device whiteout linked at its path, where no hide began since the
 * caller's look: no fd of the directory opened and closed, two of the six
 * system calls a whiteout cost (rm -rf).  Then nothing asks the directory:
 * a hide that begins after the link finds the whiteout there, as in
 * make_whiteout.  Where one began meanwhile, the directory is asked
 * through an fd opened after the link: it is the one linked into unless a
 * rename moved it in between, and that rename, a hide itself, copies or
 * moves it with the whiteout in it, which then hides the name as a
 * removal done before the rename would have.  1: not made here (another
 * form, no look to go by, or a device refused: the caller moves on to the
 * next form); the caller makes it. */
static int whiteout_by_path(const char *real, int *dir_plain, uint64_t hide_mark)
{
	struct ue_tmp t;
	const char *base;
	if (ue_cfg.upper_form != UE_FORM_DEVICE || !ue_hide_none_since(hide_mark))
		return 1;
	int r = ue_whiteout_device(AT_FDCWD, real);
	if (r < 0)
		return ue_form_refused(r) && !ue_cfg.upper_form_given ? 1 : r;
	if (ue_hide_none_since(hide_mark) || ue_tmp_open_parent_unnamed(&t, real, &base) < 0)
		return 0;
	int plain = unneeded_whiteout_plain(t.dfd, base);
	if (dir_plain)
		*dir_plain = plain;
	ue_tmp_close(&t);
	return 0;
}

static int make_whiteout(const char *real, int *dir_plain, uint64_t hide_mark)
{
	char dir[UE_PATH_MAX];
	int r;
	struct ue_tmp t;
	const char *base;
	if ((r = whiteout_by_path(real, dir_plain, hide_mark)) <= 0)
		return r;
	/* Made and checked through one fd of the directory, in every form: a
	 * racer's rename of it in between cannot leave the whiteout unchecked
	 * (or unmarked) in a directory that has since become opaque.  The
	 * temporary name only where the form needs one. */
	if ((r = ue_path_parent(dir, sizeof dir, real)) < 0 || (r = ue_tmp_open_parent_unnamed(&t, real, &base)) < 0)
		return r;
	while ((r = make_whiteout_once(&t, dir, base)) < 0 && ue_form_next(dir, r))
		;
	/* Nothing that hides a lower's name began since the caller's look: a
	 * racer that makes this directory opaque begins after the whiteout
	 * is there, and its drop of the whiteouts, after its mark, takes it
	 * (core/hideseq.h).  *dir_plain stays 0: not asked. */
	if (r == 0 && (ue_cfg.upper_form == UE_FORM_AUFS || !ue_hide_none_since(hide_mark))) {
		int plain = unneeded_whiteout_plain(t.dfd, base);
		if (dir_plain)
			*dir_plain = plain;
	}
	ue_tmp_close(&t);
	return r;
}

int ue_make_whiteout(const char *real, int *dir_plain, uint64_t hide_mark)
{
	if (dir_plain)
		*dir_plain = 0;
	int r = make_whiteout(real, dir_plain, hide_mark);
	if (r == 0 && ue_trace_on)
		ue_trace_event("whiteout", real);
	return r;
}

/* The entry at base swapped with a whiteout made at t's temporary name,
 * as the kernel's overlayfs removes (ovl_remove_and_whiteout): the
 * whiteout is a link to the shared one (core/sharedwhiteout.h), where
 * RENAME_WHITEOUT would allocate an inode each time, and the shared one
 * keeps a name outside the directory being removed (whose whiteouts all
 * go with it: rm -rf made a new one in every directory).  Where the
 * filesystem cannot exchange, RENAME_WHITEOUT. */
static int swap_in_whiteout(struct ue_tmp *t, const char *base)
{
	int r = ue_whiteout_device(t->dfd, t->name);
	if (r < 0)
		return sys_renameat2(t->dfd, base, t->dfd, t->name, RENAME_WHITEOUT);
	if ((r = sys_renameat2(t->dfd, t->name, t->dfd, base, RENAME_EXCHANGE)) == 0)
		return 0;
	sys_unlinkat(t->dfd, t->name, 0);
	return r == -EINVAL ? sys_renameat2(t->dfd, base, t->dfd, t->name, RENAME_WHITEOUT) : r;
}

/* The entry at real gives way to a whiteout.  Where the form allows,
 * it is moved aside in the same step (the union never shows the lower's
 * entry in between) and then checked: what a racing process put at the
 * name after our caller looked goes back (core/tmpentry.h). */
static int replace_once(const char *real, int is_dir)
{
	char tmp[UE_PATH_MAX];
	const char *base = ue_path_base(real);
	struct ue_tmp t;
	int r, put_back = 0;
	switch (ue_cfg.upper_form) {
	case UE_FORM_AUFS: {
		/* The marker first: from then on it hides whatever is at real.
		 * Both through one fd of the directory, wherever a rename takes it.
		 * A directory is moved aside before its markers go, as in the
		 * device form: dropped in place, they would be gone for good when
		 * a racer's entry (its own marker, coming late) then made the
		 * rmdir fail, and the lower's names they hid would show again. */
		int made;
		if ((made = aufs_marker_at(&t, real, tmp, sizeof tmp)) < 0)
			return made;
		if (!is_dir) {
			r = sys_unlinkat(t.dfd, base, 0);
		} else if ((r = sys_renameat2(t.dfd, base, t.dfd, t.name, 0)) == 0 &&
		           (r = ue_tmp_finish_aside(&t, base, 1, &put_back)) < 0) {
			/* Back at its name (it held content): no marker may hide it,
			 * ours or a racer's whose move of the name failed while it
			 * was aside, and who kept its marker for a removal. */
			sys_unlinkat(t.dfd, tmp, 0);
			break;
		}
		if (r < 0)
			aufs_marker_undo(&t, tmp, made, r);
		break;
	}
	case UE_FORM_XATTR:
		if ((r = xattr_whiteout_tmp(&t, real)) < 0)
			return r;
		/* A directory cannot be replaced by a file: swapped, then removed. */
		r = sys_renameat2(t.dfd, t.name, t.dfd, base, is_dir ? RENAME_EXCHANGE : 0);
		if (r == 0 && is_dir)
			r = ue_tmp_finish_aside(&t, base, 1, &put_back);
		else if (r < 0)
			sys_unlinkat(t.dfd, t.name, 0);
		break;
	default:
		/* The entry moves aside and a whiteout takes its place. */
		if ((r = ue_tmp_open_parent(&t, real, &base)) < 0)
			return r;
		r = swap_in_whiteout(&t, base);
		if (r == 0)
			r = ue_tmp_finish_aside(&t, base, is_dir, &put_back);
		break;
	}
	if (put_back && ue_opaque_dir_fd(t.dfd)) {
		/* A directory put back (it held content, or a racer's came in
		 * meanwhile) into a directory a racer's copy made opaque, unseen
		 * by that copy: cleaned as the copy would have
		 * (core/opaquetree.h); nothing to do for a non-directory. */
		ue_opaque_tree_at(t.dfd, base);
	}
	if (r == 0 || r == -ENOENT) {
		/* ENOENT: a racer removed the name after our look, and an aufs
		 * marker we made stays for it (aufs_marker_undo); unneeded all
		 * the same where the directory has become opaque. */
		unneeded_whiteout(t.dfd, base);
	}
	ue_tmp_close(&t);
	return r;
}

int ue_whiteout_replace(const char *real, int is_dir)
{
	char dir[UE_PATH_MAX];
	int r;
	while ((r = replace_once(real, is_dir)) < 0 && ue_path_parent(dir, sizeof dir, real) == 0 && ue_form_next(dir, r))
		;
	if (r == 0 && ue_trace_on)
		ue_trace_event("whiteout", real);
	return r;
}

/* rename(from, to), with a whiteout left at from, all through one fd t of
 * from's directory (dir: its path). */
static int rename_leaving_once(struct ue_tmp *t, const char *dir, const char *base, const char *to)
{
	char marker[NAME_MAX + 1];
	int r, made;
	switch (ue_cfg.upper_form) {
	case UE_FORM_AUFS:
		/* The marker first: the old name never shows the lower's entry. */
		if ((made = aufs_marker_in(t, base, marker, sizeof marker)) < 0)
			return made;
		if ((r = sys_renameat2(t->dfd, base, AT_FDCWD, to, 0)) < 0)
			aufs_marker_undo(t, marker, made, r);
		return r;
	case UE_FORM_XATTR:
		/* Ready before the move, so that nothing can fail after it: the
		 * lower's entry shows at the old name only between two renames. */
		if ((r = xattr_whiteout_in(t, dir)) < 0)
			return r;
		int moved = (r = sys_renameat2(t->dfd, base, AT_FDCWD, to, 0)) == 0;
		/* A racer's copy of the directory whole between the two renames
		 * dropped the prepared whiteout: none is needed, the move is done. */
		if (moved && (r = sys_renameat2(t->dfd, t->name, t->dfd, base, 0)) == -ENOENT && ue_opaque_dir_fd(t->dfd))
			return 0;
		if (moved && (r == -EISDIR || r == -ENOTEMPTY)) {
			/* Between the two renames the lower's entry showed at the
			 * old name, and a racer copied that directory up.  The move
			 * is done, so no error: the whiteout takes the name and the
			 * copy goes, unless the racer has put something in it (then
			 * it comes back, its change kept, as a removal would). */
			if (sys_renameat2(t->dfd, t->name, t->dfd, base, RENAME_EXCHANGE) == 0)
				ue_tmp_finish_aside(t, base, 1, NULL);
			else
				sys_unlinkat(t->dfd, t->name, 0);
			return 0;
		}
		if (r < 0)
			sys_unlinkat(t->dfd, t->name, 0);
		return r;
	default:
		return sys_renameat2(t->dfd, base, AT_FDCWD, to, RENAME_WHITEOUT);
	}
}

/* rename_leaving_once in the form the upper takes.  The whiteout is left
 * on our caller's look, when a lower showed through from's directory; a
 * racer may have copied that directory whole since (made it opaque): the
 * whiteout then hides nothing and goes, as in ue_make_whiteout. */
static int rename_leaving(const char *from, const char *to)
{
	char dir[UE_PATH_MAX];
	const char *base;
	struct ue_tmp t;
	int r;
	if ((r = ue_path_parent(dir, sizeof dir, from)) < 0 || (r = ue_tmp_open_parent(&t, from, &base)) < 0)
		return r;
	while ((r = rename_leaving_once(&t, dir, base, to)) < 0 && ue_form_next(dir, r))
		;
	if (r == 0 || r == -ENOENT) {  /* ENOENT: as in replace_once */
		unneeded_whiteout(t.dfd, base);
	}
	ue_tmp_close(&t);
	return r;
}

static int rename_marked(const char *from, const char *to, int flags)
{
	char dir[UE_PATH_MAX], marker[UE_PATH_MAX];
	struct stat st;
	int r, leave = flags & UE_MV_WHITEOUT;
	/* The whiteout at `to` is an inode (a device, an xattr file) at the
	 * name, or an aufs marker beside it. */
	int over_inode = (flags & UE_MV_OVER) && sys_lstat(to, &st) == 0;
	int over_marker = (flags & UE_MV_OVER) && !over_inode;
	if (over_marker && (r = ue_aufs_marker(marker, sizeof marker, to)) < 0)
		return r;
	if (over_inode && (flags & UE_MV_DIR)) {
		/* rename(2) cannot put a directory over a non-directory: swap
		 * them; the whiteout lands at the old name, which may need one.
		 * Marked, swapped and checked through one fd of from's directory,
		 * wherever a racer's rename takes it. */
		struct ue_tmp t;
		const char *base;
		if ((r = ue_path_parent(dir, sizeof dir, from)) < 0 || (r = ue_tmp_open_parent(&t, from, &base)) < 0)
			return r;
		if (!leave || S_ISCHR(st.st_mode) || (r = mark_xwhiteouts(dir, t.dfd)) == 0)
			r = sys_renameat2(t.dfd, base, AT_FDCWD, to, RENAME_EXCHANGE);
		if (r == 0 && !ue_tmp_is_whiteout(t.dfd, base)) {
			/* A racer made the name after our caller looked: theirs
			 * goes back, ours stays where it was. */
			sys_renameat2(t.dfd, base, AT_FDCWD, to, RENAME_EXCHANGE);
			r = -EEXIST;
		} else if (r == 0 && !leave) {
			sys_unlinkat(t.dfd, base, 0);
		} else if (r == 0) {
			unneeded_whiteout(t.dfd, base);
		}
		ue_tmp_close(&t);
		return r;
	}
	if (!leave)
		r = sys_renameat2(AT_FDCWD, from, AT_FDCWD, to, 0);
	else
		r = rename_leaving(from, to);
	if (r == 0 && over_marker && (r = sys_unlinkat(AT_FDCWD, marker, 0)) == -ENOENT)
		r = 0;
	return r;
}

int ue_rename_marked(const char *from, const char *to, int flags)
{
	int r = rename_marked(from, to, flags);
	if (r == 0 && (flags & UE_MV_WHITEOUT) && ue_trace_on)
		ue_trace_event("whiteout", from);
	return r;
}

int ue_hidden_beside(const char *real)
{
	char marker[UE_PATH_MAX];
	struct stat st;
	return ue_cfg.upper_form == UE_FORM_AUFS && ue_aufs_marker(marker, sizeof marker, real) == 0 &&
	       sys_lstat(marker, &st) == 0;
}

int ue_name_reserved(const char *name)
{
	return ue_cfg.upper_form == UE_FORM_AUFS && ue_aufs_is_marker(name);
}
