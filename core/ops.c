#include "ops.h"
#include "cache.h"
#include "index.h"
#include "config.h"
#include "copyup.h"
#include "dirorigin.h"
#include "form.h"
#include "hideseq.h"
#include "layerpath.h"
#include "lookup.h"
#include "lowermap.h"
#include "mark.h"
#include "origin.h"
#include "perm.h"
#include "readdir.h"
#include "renames.h"
#include "sys.h"
#include "tmpentry.h"
#include "markers.h"
#include "tmpname.h"

#include <limits.h>
#include <string.h>

/* The upper's directory that holds rel, open with a fresh temporary name
 * in it (core/tmpentry.h). */
static int upper_tmp(struct ue_tmp *t, const char *rel)
{
	char prel[UE_PATH_MAX], dir[UE_PATH_MAX];
	ue_rel_parent(prel, rel);
	int r = ue_real_path(dir, sizeof dir, UE_UPPER, prel);
	return r < 0 ? r : ue_tmp_open(t, dir);
}

void ue_set_impure_parent(const char *rel)
{
	char prel[UE_PATH_MAX], dir[UE_PATH_MAX];
	ue_rel_parent(prel, rel);
	if (ue_real_path(dir, sizeof dir, UE_UPPER, prel) == 0)
		ue_set_impure(dir);
}

/* A new name the upper's form cannot hold (a .wh. name, where those are
 * its whiteouts) is refused rather than taken for a marker. */
static int name_reserved(const char *rel)
{
	return ue_name_reserved(ue_path_base(rel)) ? -EINVAL : 0;
}

/* How a new node is made, at a path of the upper. */
struct maker {
	int (*make)(const struct maker *, const char *real);
	mode_t mode;
	dev_t dev;
	const char *target;           /* symlink target, or link source */
};

static int make_node(const struct maker *m, const char *real) { return sys_mknodat(AT_FDCWD, real, m->mode, m->dev); }
static int make_dir(const struct maker *m, const char *real) { return sys_mkdirat(AT_FDCWD, real, m->mode); }
static int make_symlink(const struct maker *m, const char *real) { return sys_symlinkat(m->target, AT_FDCWD, real); }
static int make_link(const struct maker *m, const char *real) { return sys_linkat(AT_FDCWD, m->target, AT_FDCWD, real, 0); }
static int make_link_fd(const struct maker *m, const char *real)
{
	return sys_linkat(AT_FDCWD, m->target, AT_FDCWD, real, AT_SYMLINK_FOLLOW);
}

/* Create a new name in the upper.  Over a whiteout the node is made under
 * a temporary name and swapped in, so the lower's old entry never shows;
 * a directory made there is opaque (the name had a past below). */
static int create_name(struct ue_path *p, const struct maker *m, int is_dir)
{
	struct ue_tmp t;
	int r;
	if (ue_node_exists(&p->node) || p->last != UE_LAST_NAME)
		return -EEXIST;
	if ((r = name_reserved(p->rel)) < 0 || (r = ue_may_change_dir_of(p->caller, p->rel)) < 0 || (r = ue_copy_up_parents(p->rel)) < 0 ||
	    (r = ue_real_path(p->real, sizeof p->real, UE_UPPER, p->rel)) < 0)
		return r;
	if (!p->node.upper_whiteout) {
		r = m->make(m, p->real);
		/* We believed the name missing: another process made it a moment
		 * ago and its announcement has not reached us yet.  Announce it
		 * ourselves, so the caller's next look finds it. */
		if (r == -EEXIST)
			ue_changed(p->rel, 0);
	} else {
		if ((r = upper_tmp(&t, p->rel)) < 0)
			return r;
		if ((r = m->make(m, t.path)) == 0 && (!is_dir || (r = ue_set_opaque(t.path)) == 0))
			r = ue_rename_marked(t.path, p->real, UE_MV_OVER | (is_dir ? UE_MV_DIR : 0));
		if (r < 0)
			ue_tmp_discard(&t);
		ue_tmp_close(&t);
	}
	if (r < 0)
		return r;
	ue_changed(p->rel, is_dir && p->node.upper_whiteout);
	p->node.layer = UE_UPPER;
	p->node.type = m->make == make_dir ? S_IFDIR : m->make == make_symlink ? S_IFLNK : m->mode & S_IFMT;
	p->node.stack = is_dir ? 1 : 0;
	return 0;
}

static int create(struct ue_path *p, const struct maker *m, int is_dir)
{
	/* A directory made over a whiteout is opaque: what a lower showed
	 * below that name is hidden (core/hideseq.h). */
	int hides = is_dir && p->node.upper_whiteout;
	if (hides)
		ue_hide_begin();
	int r = create_name(p, m, is_dir);
	if (hides)
		ue_hide_end();
	return r;
}

int ue_op_open_prepare(struct ue_path *p, int *flags, mode_t mode)
{
	int r;
	/* Refused by Linux 6.4 and later before any lookup, whatever the name
	 * (O_TMPFILE holds O_DIRECTORY too); made here, EEXIST came first for
	 * a directory, and a regular file over a whiteout before the kernel's
	 * EINVAL (unionmount-testsuite's dir-weird-open-dir). */
	if ((*flags & O_CREAT) && (*flags & O_DIRECTORY))
		return -EINVAL;
	if (!ue_node_exists(&p->node)) {
		if (!(*flags & O_CREAT))
			return -ENOENT;
		if (p->trailing_slash)
			return -EISDIR;
		if (p->node.upper_whiteout) {
			/* Made here, swapped over the whiteout: the open then finds it. */
			struct maker m = { make_node, S_IFREG | (mode & 07777), 0, NULL };
			r = create(p, &m, 0);
			if (r < 0 && (r != -EEXIST || (*flags & O_EXCL)))
				return r;
			*flags &= ~O_EXCL;
			return 0;
		}
		if ((r = name_reserved(p->rel)) < 0 || (r = ue_may_change_dir_of(p->caller, p->rel)) < 0 ||
		    (r = ue_copy_up_parents(p->rel)) < 0)
			return r;
		r = ue_real_path(p->real, sizeof p->real, UE_UPPER, p->rel);
		return r < 0 ? r : 1;
	}
	if ((*flags & O_CREAT) && (*flags & O_EXCL))
		return -EEXIST;
	int writes = (*flags & O_ACCMODE) != O_RDONLY || (*flags & O_TRUNC);
	int want = ((*flags & O_ACCMODE) != O_WRONLY ? R_OK : 0) | (writes ? W_OK : 0);
	/* The kernel knows the copy-up's owner, not the one it recorded (a
	 * directory opened to write is EISDIR first: the kernel's to say). */
	if (p->node.override && !(*flags & O_PATH) && !(S_ISDIR(p->node.type) && writes) &&
	    (r = ue_may(p->caller, p->real, want)) < 0)
		return r;
	/* A lower's fifo is brought up by any open but O_PATH's, so that the
	 * union's readers and writers meet at the upper's and the lower's
	 * times stay as they were: each read or write of a fifo sets its
	 * times (on a kernel mount the overlay's own inode keeps the pipe). */
	if (S_ISFIFO(p->node.type) && p->node.layer > UE_UPPER && !(*flags & O_PATH)) {
		if ((r = ue_may(p->caller, p->real, want)) < 0)
			return r;
		/* An upper that holds no fifo (FUSE's exfat: EIO) opens the
		 * lower's where it lies, as before. */
		r = ue_op_change_prepare(p, 0);
		return r < 0 && (ue_form_refused(r) || r == -EIO) ? 0 : r;
	}
	if (!writes || (p->node.layer == UE_UPPER && !p->node.data_layer) || !S_ISREG(p->node.type))
		return 0;  /* directories and devices are not changed by an open */
	/* Refused opens copy nothing up. */
	want = ((*flags & O_ACCMODE) == O_RDWR ? R_OK : 0) | W_OK;
	if ((r = ue_may(p->caller, p->real, want)) < 0)
		return r;
	return ue_op_change_prepare(p, (*flags & O_TRUNC) != 0);
}

int ue_op_change_prepare(struct ue_path *p, int nodata)
{
	if (!ue_node_exists(&p->node))
		return -ENOENT;
	if (p->node.layer == UE_UPPER && !p->node.data_layer)
		return 0;
	int r = ue_copy_up(p->rel, &p->node, nodata ? UE_COPYUP_NODATA : 0);
	return r < 0 ? r : ue_path_refresh(p);
}

int ue_op_mkdir(struct ue_path *p, mode_t mode)
{
	struct maker m = { make_dir, mode & 07777, 0, NULL };
	return create(p, &m, 1);
}

int ue_op_mknod(struct ue_path *p, mode_t mode, dev_t dev)
{
	if (p->trailing_slash)
		return ue_node_exists(&p->node) ? -EEXIST : -ENOENT;
	struct maker m = { make_node, mode, dev, NULL };
	return create(p, &m, 0);
}

int ue_op_symlink(const char *target, struct ue_path *p)
{
	if (p->trailing_slash && !ue_node_exists(&p->node))
		return -ENOENT;
	struct maker m = { make_symlink, 0, 0, target };
	return create(p, &m, 0);
}

int ue_op_link(struct ue_path *from, struct ue_path *to)
{
	char src[UE_PATH_MAX];
	int r;
	/* In the kernel's order: source, then the new name, then the type. */
	if (!ue_node_exists(&from->node))
		return -ENOENT;
	if (ue_node_exists(&to->node) || to->last != UE_LAST_NAME)
		return -EEXIST;
	if (S_ISDIR(from->node.type))
		return -EPERM;
	if (to->trailing_slash)
		return -ENOENT;
	if ((r = ue_may_link(from->caller, from->real)) < 0 || (r = ue_may_change_dir_of(to->caller, to->rel)) < 0 ||
	    (r = ue_copy_up(from->rel, &from->node, 0)) < 0 ||
	    (r = ue_real_path(src, sizeof src, UE_UPPER, from->rel)) < 0)
		return r;
	struct maker m = { make_link, S_IFREG, 0, src };
	int r2 = create(to, &m, 0);
	if (r2 == 0)
		ue_set_impure_parent(to->rel);
	/* The new name of a symlink or special file gets its origin record
	 * too (dirorigin.h): the kernel's is on the inode, both names show it.
	 * Announced again: a look since create()'s announcement missed it. */
	if (r2 == 0 && ue_dirorigin_kind(from->node.type)) {
		ue_dirorigin_linked(src, to->real);
		ue_changed(to->rel, 0);
	}
	return r2;
}

int ue_op_link_unnamed(const char *fdlink, struct ue_path *to)
{
	if (ue_node_exists(&to->node) || to->last != UE_LAST_NAME)
		return -EEXIST;
	if (to->trailing_slash)
		return -ENOENT;
	/* The kernel says whether the file may get a name (O_TMPFILE without
	 * O_EXCL: yes; a removed file: ENOENT). */
	struct maker m = { make_link_fd, S_IFREG, 0, fdlink };
	int r = create(to, &m, 0);
	if (r == 0)
		ue_set_impure_parent(to->rel);
	return r;
}

/* Whether the upper holds an opaque directory at rel, which the lookup
 * found hidden: in the aufs form, a directory made over a name's marker
 * is put in place before the marker goes (the other order would show the
 * lower's entry between the two), and a look between the two steps finds
 * both.  Either way nothing of a lower shows below that name. */
static int made_over_marker(const char *rel)
{
	char real[UE_PATH_MAX];
	return ue_cfg.upper_form == UE_FORM_AUFS && ue_real_path(real, sizeof real, UE_UPPER, rel) == 0 &&
	       (ue_dir_markers(real, UE_AUFS_ASSUME) & UE_DIR_OPAQUE);
}

/* Whether a lower may show rel now, asking the layers and not the cache:
 * a racing process may have hidden the whole directory since our caller
 * looked (made it or a directory above anew, opaque, or copied it up
 * whole).  0 when the parent merges no lower directory; 1 otherwise, and
 * when it cannot tell. */
static int lower_may_show_walk(const char *rel, size_t end)
{
	char prefix[UE_PATH_MAX];
	struct ue_node parent, n;
	if (end >= sizeof prefix || ue_node_at("", &parent) < 0)
		return 1;
	for (size_t i = 0; i < end + (end > 0); i++) {
		if (rel[i] != '/' && i != end)
			continue;
		memcpy(prefix, rel, i);
		prefix[i] = '\0';
		if (ue_node_child_fresh(prefix, &parent, &n) < 0 || !ue_node_exists(&n) || !S_ISDIR(n.type))
			return !(n.upper_whiteout && made_over_marker(prefix));
		parent = n;
	}
	return (parent.stack & ~1ULL) != 0;
}

/* parent_plain: the caller has just found rel's directory in the upper
 * plain (ue_upper_dir_plain, through the fd the whiteout was made in):
 * not asked again. */
static int lower_may_show(const char *rel, int parent_plain, uint64_t hide_mark)
{
	char real[UE_PATH_MAX];
	struct ue_node parent;
	size_t end = strlen(rel);
	while (end > 0 && rel[end] != '/')
		end--;
	/* Nothing that hides a lower's name ran since the caller looked: what
	 * it saw above rel still holds (a whiteout was made because a lower
	 * showed).  Asked after the whiteout is made, as the walk is. */
	if (ue_cfg.upper_form != UE_FORM_AUFS && ue_hide_none_since(hide_mark))
		return 1;
	/* The lowers never change: only the upper can hide them since the
	 * look.  Where every directory of the upper above rel is there and
	 * plain (what a removal in a lower tree meets), the lowers show at
	 * rel's directory what the node says they show, whatever the cache
	 * held of the upper then; anything else (the aufs form's markers
	 * beside the names, a mark, a redirect, a name gone) is walked afresh. */
	if (ue_cfg.upper_form == UE_FORM_AUFS || end >= sizeof real || ue_real_path(real, sizeof real, UE_UPPER, "") < 0)
		return lower_may_show_walk(rel, end);
	size_t root = strlen(real);
	for (size_t i = 0; i <= end; i++) {
		if (i != end && rel[i] != '/')
			continue;
		if (i == 0 && end > 0)
			continue;  /* the upper's root: the fresh walk takes it from the cache too */
		if (root + 1 + i >= sizeof real)
			return lower_may_show_walk(rel, end);
		real[root] = '/';
		memcpy(real + root + 1, rel, i);
		real[root + 1 + i] = '\0';
		if (!(i == end && parent_plain) && !ue_upper_dir_plain(real))
			return lower_may_show_walk(rel, end);
	}
	memcpy(real, rel, end);
	real[end] = '\0';
	if (ue_node_at(real, &parent) == 0 && ue_node_exists(&parent) && S_ISDIR(parent.type) && !parent.redirect &&
	    (parent.stack & ~1ULL))
		return 1;
	return lower_may_show_walk(rel, end);
}

/* The whiteout for a lower's name found the name taken in the upper: a
 * racer put it there since our look (a copy-up, a create, or its own
 * removal's whiteout).  The kernel, looking under the directory's lock,
 * would have seen that entry: the removal acts on it instead, or fails
 * as it would have, so that no copy is left that the whiteout was meant
 * to hide. */
static int remove_racers_copy(struct ue_path *p, int is_dir)
{
	char dir[UE_PATH_MAX];
	struct stat st;
	int r = -EEXIST;
	if (ue_path_parent(dir, sizeof dir, p->real) < 0)
		return r;
	/* Bounded: each turn needs a racer to take the name again. */
	for (int turn = 0; turn < 16 && r == -EEXIST; turn++) {
		if ((r = sys_lstat(p->real, &st)) == -ENOENT) {
			r = ue_make_whiteout(p->real, NULL, 0);  /* gone again: ours to hide */
			continue;
		}
		if (r < 0)
			return r;
		int xwh = (ue_dir_markers(dir, 0) & UE_DIR_XWHITEOUTS) != 0;
		if (ue_whiteout_inode(AT_FDCWD, p->real, &st, xwh))
			return -ENOENT;  /* a racer removed it first */
		if (!S_ISDIR(st.st_mode) != !is_dir)
			return is_dir ? -ENOTDIR : -EISDIR;
		r = ue_whiteout_replace(p->real, is_dir);
	}
	return r;
}

/* Remove the name p from the union: from the upper, and with a whiteout
 * where a lower still holds it. */
static int remove_name(struct ue_path *p, int is_dir)
{
	int r;
	if (p->rel[0] == '\0')
		return -EBUSY;
	if ((r = ue_copy_up_linked(p->rel, &p->node)) < 0 || (r = ue_copy_up_parents(p->rel)) < 0 ||
	    (r = ue_real_path(p->real, sizeof p->real, UE_UPPER, p->rel)) < 0)
		return r;
	char idx[UE_PATH_MAX];
	int indexed = !is_dir && p->node.layer == UE_UPPER && ue_index_of_upper(p->real, idx, sizeof idx) == 0;
	int recorded = p->node.layer == UE_UPPER && ue_dirorigin_kind(p->node.type);
	int parent_plain = 0;
	if (p->node.layer != UE_UPPER) {
		if ((r = ue_make_whiteout(p->real, &parent_plain, p->hide_mark)) == -EEXIST) {
			parent_plain = 0;
			r = remove_racers_copy(p, is_dir);
		}
	} else if (p->node.in_lower) {
		/* The markers inside go with the directory, once the whiteout
		 * hides it: dropped before, they would let the lower show. */
		r = ue_whiteout_replace(p->real, is_dir);
	} else {
		if (is_dir && (r = ue_dir_drop_whiteouts(p->real)) < 0)
			return r;
		r = sys_unlinkat(AT_FDCWD, p->real, is_dir ? AT_REMOVEDIR : 0);
	}
	if (r < 0)
		return r;
	if (indexed)
		ue_index_name_gone(idx);
	if (recorded)
		ue_dirorigin_drop(p->real);  /* a symlink made at the name later is another file */
	/* A whiteout made on a look that a racer has made stale hides
	 * nothing: it goes, as the kernel (which looks under the directory's
	 * lock) would not have made it. */
	if ((p->node.layer != UE_UPPER || p->node.in_lower) && !lower_may_show(p->rel, parent_plain, p->hide_mark))
		ue_drop_whiteout(p->real);
	ue_changed(p->rel, is_dir);
	return 0;
}

/* The kernel's may_delete: permission on the directory before the type. */
static int may_delete(const struct ue_path *p)
{
	if (!ue_node_exists(&p->node))
		return -ENOENT;
	return p->rel[0] ? ue_may_change_dir_of(p->caller, p->rel) : 0;
}

int ue_op_unlink(struct ue_path *p)
{
	if (p->last != UE_LAST_NAME)
		return -EISDIR;
	if (ue_node_exists(&p->node) && p->trailing_slash)
		return S_ISDIR(p->node.type) ? -EISDIR : -ENOTDIR;  /* before permission, as there */
	int r = may_delete(p);
	if (r < 0)
		return r;
	if (S_ISDIR(p->node.type))
		return -EISDIR;
	return remove_name(p, 0);
}

int ue_op_rmdir(struct ue_path *p)
{
	/* A last "." or ".." names no entry to remove (the kernel's LAST_DOT
	 * and LAST_DOTDOT): refused before anything else, as in the callers
	 * of create() and in rename and unlink. */
	if (p->last != UE_LAST_NAME)
		return p->last == UE_LAST_DOT ? -EINVAL : -ENOTEMPTY;
	int r = may_delete(p);
	if (r < 0)
		return r;
	if (!S_ISDIR(p->node.type))
		return -ENOTDIR;
	if (p->rel[0] == '\0')
		return -EBUSY;
	r = ue_dir_is_empty(p->rel, &p->node);
	if (r <= 0)
		return r < 0 ? r : -ENOTEMPTY;
	if ((r = remove_name(p, 1)) == 0)
		ue_lowermap_removed(p->rel);  /* an fd left in its lower directory is not in a new one */
	return r;
}
