/* rename(2) in the union (the kernel's ovl_rename): a lower's file or
 * directory brought up first, the move in the upper, a whiteout left at
 * the old name where a lower still shows it, and each directory move
 * recorded for the fds and current directories that follow it. */
#include "ops.h"
#include "cache.h"
#include "index.h"
#include "config.h"
#include "copyup.h"
#include "dirorigin.h"
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

static int is_below(const char *rel, const char *dir)
{
	size_t rl = strlen(rel), dl = strlen(dir);
	return rl != dl && ue_rel_under(rel, rl, dir, dl);
}

/* Whether two union paths are in one directory. */
static int same_parent(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	size_t la = sa ? (size_t)(sa - a) : 0, lb = sb ? (size_t)(sb - b) : 0;
	return la == lb && !strncmp(a, b, la);
}

/* Both names denote the same file (hard links): rename does nothing. */
static int same_file(const struct ue_path *a, const struct ue_path *b)
{
	struct stat sa, sb;
	return ue_node_exists(&b->node) && sys_lstat(a->real, &sa) == 0 && sys_lstat(b->real, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* A directory that merges lower content moves whole: copied up in full and
 * made opaque first, so the upper reads right on a kernel mount too (which
 * cannot follow a redirect in userxattr mode). */
static int prepare_source(struct ue_path *p)
{
	int r = S_ISDIR(p->node.type) && p->node.stack != 1 ? ue_copy_up_tree(p->caller, p->rel, &p->node)
	                                                    : ue_copy_up(p->rel, &p->node, 0);
	return r < 0 ? r : ue_real_path(p->real, sizeof p->real, UE_UPPER, p->rel);
}

/* The rename on disk (mv: ue_rename_marked's flags), and for a directory
 * its record for the current directory and directory fds that follow it
 * (core/renames.h, core/lowermap.h).  Directory renames are made one at a
 * time across the union, so that they are recorded in the order they
 * happened: another process's rename of b to c may follow ours of a to b
 * by a microsecond. */
static int rename_recorded(struct ue_path *from, struct ue_path *to, int exchange, unsigned mv, int from_lower,
                           int to_lower)
{
	int dir = S_ISDIR(from->node.type) || (exchange && S_ISDIR(to->node.type));
	int lock = dir ? ue_cache_lock() : UE_CACHE_ALONE;
	int r = exchange ? sys_renameat2(AT_FDCWD, from->real, AT_FDCWD, to->real, RENAME_EXCHANGE)
	                 : ue_rename_marked(from->real, to->real, mv);
	if (r == 0 && !exchange && S_ISDIR(from->node.type) && ue_tmp_is_whiteout(AT_FDCWD, to->real)) {
		/* A racer removed the source after our look: what moved was its
		 * whiteout, and the rename did not happen.  A whiteout that was at
		 * the new name before stays there.  Else the moved one goes back
		 * only to an empty old name: where the move left a whiteout, or a
		 * racer has made the name anew since (a directory, which a rename
		 * could not replace and which left this one behind for good; a
		 * file, which one would destroy), it goes. */
		if (!to->node.upper_whiteout &&
		    ((mv & UE_MV_WHITEOUT) || sys_renameat2(AT_FDCWD, to->real, AT_FDCWD, from->real, RENAME_NOREPLACE) < 0))
			ue_drop_whiteout(to->real);
		r = -ENOENT;
	}
	if (r == 0 && dir) {
		ue_lowermap_renamed(lock, from->rel, to->rel, exchange, from_lower, to_lower);
		ue_renamed(from->rel, to->rel, exchange);
	}
	ue_cache_unlock(lock);
	return r;
}

static int rename_names(struct ue_path *from, struct ue_path *to, unsigned flags)
{
	int r;
	int exchange = flags & RENAME_EXCHANGE;
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if (from->last != UE_LAST_NAME)
		return -EBUSY;
	if (to->last != UE_LAST_NAME)
		return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	if (!ue_node_exists(&from->node))
		return -ENOENT;
	if (from->rel[0] == '\0' || to->rel[0] == '\0')
		return -EBUSY;
	int from_dir = S_ISDIR(from->node.type), to_exists = ue_node_exists(&to->node), indexed = 0;
	char idx[UE_PATH_MAX];
	int to_dir = to_exists && S_ISDIR(to->node.type);
	/* Merged directories are copied up whole: their lower ones stay behind. */
	int from_lower = from_dir && from->node.stack != 1, to_lower = to_dir && to->node.stack != 1;
	if (exchange && !to_exists)
		return -ENOENT;
	if ((flags & RENAME_NOREPLACE) && to_exists)
		return -EEXIST;
	if (!strcmp(from->rel, to->rel))
		return 0;
	if (is_below(to->rel, from->rel))
		return -EINVAL;
	if (is_below(from->rel, to->rel))
		return exchange ? -EINVAL : -ENOTEMPTY;  /* onto its own ancestor: the VFS's answer */
	if ((to->trailing_slash || from->trailing_slash) && !from_dir)
		return -ENOTDIR;
	/* Two names of one file (a lower one showing its index entry among
	 * them): the VFS's first look in vfs_rename, exchange or not. */
	if (to_exists && !from_dir && !to_dir && same_file(from, to))
		return 0;
	/* Then vfs_rename's order: the two directories' permissions
	 * (may_delete, may_create), the types, the write permission a
	 * directory changing parent needs for its "..", last the emptiness
	 * the filesystem checks. */
	if ((!to_exists && (r = ue_name_reserved(ue_path_base(to->rel)) ? -EINVAL : 0) < 0) ||
	    (r = ue_may_change_dir_of(from->caller, from->rel)) < 0 || (r = ue_may_change_dir_of(to->caller, to->rel)) < 0)
		return r;
	if (!exchange && to_exists) {
		if (from_dir && !to_dir)
			return -ENOTDIR;
		if (!from_dir && to_dir)
			return -EISDIR;
	}
	if ((from_dir || (exchange && to_dir)) && !same_parent(from->rel, to->rel) &&
	    ((from_dir && (r = ue_may(from->caller, from->real, W_OK)) < 0) ||
	     (exchange && to_dir && (r = ue_may(to->caller, to->real, W_OK)) < 0)))
		return r;
	if (!exchange && to_dir && (r = ue_dir_is_empty(to->rel, &to->node)) <= 0)
		return r < 0 ? r : -ENOTEMPTY;
	if ((r = prepare_source(from)) < 0 || (!exchange && to_exists && (r = ue_copy_up_linked(to->rel, &to->node)) < 0))
		return r;
	if (exchange) {
		if ((r = prepare_source(to)) < 0)
			return r;
		/* A directory landing where a lower holds the name must not merge it. */
		if ((from_dir && to->node.in_lower && (r = ue_set_opaque(from->real)) < 0) ||
		    (to_dir && from->node.in_lower && (r = ue_set_opaque(to->real)) < 0))
			return r;
		r = rename_recorded(from, to, exchange, 0, from_lower, to_lower);
	} else {
		if ((r = ue_copy_up_parents(to->rel)) < 0 || (r = ue_real_path(to->real, sizeof to->real, UE_UPPER, to->rel)) < 0)
			return r;
		/* a name of a file of the index, renamed over: its last? */
		indexed = to_exists && !to_dir && to->node.layer == UE_UPPER &&
		          ue_index_of_upper(to->real, idx, sizeof idx) == 0;
		int below = to->node.in_lower || to->node.upper_whiteout || (to_dir && to->node.stack != 1);
		if (to_dir && to->node.layer == UE_UPPER && (r = ue_dir_drop_whiteouts(to->real)) < 0)
			return r;
		if (from_dir && below && (r = ue_set_opaque(from->real)) < 0)
			return r;
		/* Removed by a racer since our caller looked: a whiteout is no
		 * source (it would land at the new name as one). */
		if (ue_tmp_is_whiteout(AT_FDCWD, from->real))
			return -ENOENT;
		r = rename_recorded(from, to, exchange, (from->node.in_lower ? UE_MV_WHITEOUT : 0) |
		                    (to->node.upper_whiteout ? UE_MV_OVER : 0) | (from_dir ? UE_MV_DIR : 0),
		                    from_lower, to_lower);
	}
	if (r < 0)
		return r;
	if (indexed)
		ue_index_name_gone(idx);
	/* Origins held by the directories follow the names (dirorigin.h). */
	if (ue_dirorigin_kind(from->node.type) || (to_exists && ue_dirorigin_kind(to->node.type)))
		ue_dirorigin_renamed(from->real, to->real, exchange);
	ue_set_impure_parent(to->rel);
	if (exchange)
		ue_set_impure_parent(from->rel);
	int subtree = from_dir || to_dir;
	ue_changed(from->rel, subtree);
	ue_changed(to->rel, subtree);
	if (from_dir || (exchange && to_dir)) {
		/* Our current directory follows at once, so that a child started
		 * next starts there. */
		ue_cwd_follow();
	} else if (from->node.in_lower || (exchange && to->node.in_lower)) {
		/* and fds open on the lower file follow its copy (preload/fdtab.h) */
		ue_renamed(from->rel, to->rel, exchange);
	}
	return 0;
}

int ue_op_rename(struct ue_path *from, struct ue_path *to, unsigned flags)
{
	/* A directory renamed hides what a lower showed below either name
	 * (copied up whole and marked, or replacing one): core/hideseq.h. */
	int hides = S_ISDIR(from->node.type) || S_ISDIR(to->node.type);
	if (hides)
		ue_hide_begin();
	int r = rename_names(from, to, flags);
	if (hides)
		ue_hide_end();
	return r;
}
