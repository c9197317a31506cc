#include "lookup.h"
#include "lowerdirs.h"
#include "cache.h"
#include "config.h"
#include "dirorigin.h"
#include "index.h"
#include "layerpath.h"
#include "lowermarks.h"
#include "markers.h"
#include "origin.h"
#include "override.h"
#include "path.h"
#include "redirect.h"
#include "sys.h"

#include <limits.h>
#include <string.h>
#include <sys/sysmacros.h>

int ue_node_real(char *buf, size_t size, const struct ue_node *n, int layer, const char *rel)
{
	return n->redirect ? ue_redirect_real(buf, size, n->redirect, layer, rel) : ue_real_path(buf, size, layer, rel);
}

int ue_node_data_real(char *buf, size_t size, const struct ue_node *n, const char *rel)
{
	return ue_node_real(buf, size, n, n->data_layer ? n->data_layer : n->layer, rel);
}

/* The lstat of a layer's entry, made as the kernel's newfstatat makes it
 * (the basic fields, no automount) but as a statx, whose reply can then
 * answer a statx of the same name as well (preload/stat.c): one call for
 * both.  stx->stx_mask is 0 where the kernel has no statx (or a filter
 * refuses it): the lstat is made then. */
static int layer_lstat(int dfd, const char *real, struct stat *st, struct statx *stx)
{
	int r = sys_statx(dfd, real, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, stx);
	if (r == -ENOSYS || r == -EPERM) {
		stx->stx_mask = 0;
		return sys_fstatat(dfd, real, st, AT_SYMLINK_NOFOLLOW);
	}
	if (r < 0)
		return r;
	/* What the kernel's cp_new_stat makes of the same reply. */
	memset(st, 0, sizeof *st);
	st->st_dev = makedev(stx->stx_dev_major, stx->stx_dev_minor);
	st->st_ino = stx->stx_ino;
	st->st_mode = stx->stx_mode;
	st->st_nlink = stx->stx_nlink;
	st->st_uid = stx->stx_uid;
	st->st_gid = stx->stx_gid;
	st->st_rdev = makedev(stx->stx_rdev_major, stx->stx_rdev_minor);
	st->st_size = (off_t)stx->stx_size;
	st->st_blksize = stx->stx_blksize;
	st->st_blocks = (blkcnt_t)stx->stx_blocks;
	st->st_atim = (struct timespec){ stx->stx_atime.tv_sec, stx->stx_atime.tv_nsec };
	st->st_mtim = (struct timespec){ stx->stx_mtime.tv_sec, stx->stx_mtime.tv_nsec };
	st->st_ctim = (struct timespec){ stx->stx_ctime.tv_sec, stx->stx_ctime.tv_nsec };
	return 0;
}

/* Note what layer i's directory at real says of itself in out; its
 * markers (UE_DIR_OPAQUE: nothing below it merges).  The bottom layer's
 * directories are not read for aufs markers: with nothing below, its
 * .wh.NAME hides nothing and only has to be kept out of sight, which
 * taking every directory there as holding them does (a directory holding
 * one is an aufs directory).  The read was a second listing of every
 * directory find or du walked (issue 12). */
static int dir_layer(struct ue_node *out, int i, const char *real)
{
	int bottom = i > UE_UPPER && ue_layer_is_bottom(i);
	int m = i > UE_UPPER ? ue_lower_dir_markers(real, i, bottom ? 0 : UE_AUFS_SCAN)
	                     : ue_dir_markers(real, ue_cfg.upper_form == UE_FORM_AUFS ? UE_AUFS_ASSUME : 0);
	if ((m & UE_DIR_AUFS) || bottom)
		out->aufs |= 1ULL << i;
	if (m & UE_DIR_XWHITEOUTS)
		out->xwh |= 1ULL << i;
	return m;
}

/* In layer i, is the name at real (lstat'ed into st, or missing when
 * present is 0) a whiteout in any of the forms a layer may use? */
static int layer_whiteout(const struct ue_node *parent, int i, const char *real, const struct stat *st, int present)
{
	if (present && ue_whiteout_inode(AT_FDCWD, real, st, (parent->xwh >> i) & 1))
		return 1;
	return (parent->aufs & (1ULL << i)) && !ue_layer_is_bottom(i) && ue_aufs_hides(real);
}

/* The top entry's permissions as the union shows them: the owner a
 * copy-up (or a rootless container tool, in a lower) recorded where it
 * could not chown; a root-owned entry has no record, root can chown. */
static void top_attr(struct ue_node *out, const struct ue_kname *k, const struct stat *st, int has_record)
{
	struct ue_override o;
	if (has_record && ue_override_get_at(k->fd, k->name, &o) == 1) {
		out->override = 1;
		out->mode = o.mode;
		out->uid = o.uid;
		out->gid = o.gid;
	} else if (S_ISDIR(st->st_mode)) {
		ue_node_set_attr(out, st);
	}
}

/* What the lookup reads of the top entry's xattrs: its origin (an upper
 * entry, layers on one filesystem) and a recorded owner (files and
 * directories not root's: a rootless tool's layer may hold records, so a
 * lower's file owned by the user running the union costs a read of each;
 * made through the held directory, k, no walk of the whole path).  Where
 * it wants both, one llistxattr says which exist: the two gets are
 * mostly answered ENODATA.  A symlink or special file has its origin on
 * its directory (dirorigin.h). */
static void top_xattrs(struct ue_node *out, const struct ue_kname *k, const char *real, const struct stat *st)
{
	int file = S_ISREG(st->st_mode) || S_ISDIR(st->st_mode);
	if (!file) {
		if (out->layer == UE_UPPER && ue_cfg.one_dev)
			out->origin_ino = ue_dirorigin_ino(real);
		return;
	}
	int origin = file && out->layer == UE_UPPER && ue_cfg.one_dev;
	int record = file && st->st_uid != 0;
	char list[1024];
	long n = origin && record ? ue_xattr_list_at(k->fd, k->name, list, sizeof list) : -1;
	if (n >= 0) {
		origin = record = 0;
		for (const char *s = list; s < list + n; s += strlen(s) + 1) {
			origin |= !strcmp(s, UE_OVL_USER(ORIGIN));
			record |= !strcmp(s, UE_XATTR_OVERRIDE);
		}
	}
	if (origin)
		out->origin_ino = ue_origin_ino(real);
	top_attr(out, k, st, record);
}

static int root_compute(struct ue_node *out)
{
	char real[UE_PATH_MAX];
	struct stat st;
	memset(out, 0, sizeof *out);
	out->layer = UE_UPPER;
	out->type = S_IFDIR;
	out->open_above = 1;
	for (int i = 0; i < ue_cfg.nlayers; i++) {
		int r = ue_real_path(real, sizeof real, i, "");
		if (r == 0)
			r = sys_lstat(real, &st);
		if (r < 0 || !S_ISDIR(st.st_mode)) {
			if (i == UE_UPPER)
				return r < 0 ? r : -ENOTDIR;
			break;
		}
		if (i == UE_UPPER)
			top_attr(out, &(struct ue_kname){ AT_FDCWD, real, -1 }, &st, st.st_uid != 0);
		out->stack |= 1ULL << i;
		if (i > UE_UPPER)
			out->in_lower = 1;
		if (dir_layer(out, i, real) & UE_DIR_OPAQUE)
			break;
	}
	return 0;
}

/* Whether a layer below `from` in the parent's stack shows the name:
 * removing the top entry then needs a whiteout. */
static UE_OWN_FRAME int name_below(const char *rel, const struct ue_node *parent, int from)
{
	char real[UE_PATH_MAX];
	struct stat st;
	for (int i = from + 1; i < ue_cfg.nlayers; i++) {
		if (!(parent->stack & (1ULL << i)) || ue_node_real(real, sizeof real, parent, i, rel) < 0)
			continue;
		int present = sys_lstat(real, &st) == 0;
		if (layer_whiteout(parent, i, real, &st, present))
			return 0;
		if (present)
			return 1;
	}
	return 0;
}

/* The entry at real (in layer i, at rel) redirects the layers below it:
 * out->redirect and the layers left to look in (*layers) follow.  An
 * absolute redirect starts again from the root's stack, as the kernel
 * does.  A value the kernel refuses makes the entry fail to look up, as
 * there (redirect.h); one too long to be a path names nothing below (the
 * kernel's lookup of it finds nothing). */
static UE_OWN_FRAME int follow_redirect(struct ue_node *out, int i, const char *real, const char *rel, uint64_t *layers)
{
	char target[UE_PATH_MAX];
	int err;
	uint64_t above = (2ULL << i) - 1;
	long n = ue_redirect_read(real, target, sizeof target);
	if (n == -ENAMETOOLONG)
		*layers &= above;
	if (n <= 0)
		return 0;
	struct ue_node root;
	uint64_t below = target[0] == '/' && ue_node_at("", &root) == 0 ? root.stack & ~above : *layers & ~above;
	const struct ue_redirect *r = ue_redirect_apply(out->redirect, i, rel, target, &err);
	if (!r && err == -EACCES && !ue_redirect_dots_reached(target, below)) {
		*layers &= above;
		return 0;
	}
	if (!r)
		return err;
	out->redirect = r;
	*layers = (*layers & above) | below;
	return 0;
}

/* A lower file with other names (top: its lstat), one of which was copied
 * up: the union shows the index entry through this name too, as the
 * kernel's lookup finds it by origin (namei.c, ovl_lookup_index).  A
 * lower's link count never changes, so a file with one name costs
 * nothing here. */
static UE_OWN_FRAME int indexed(struct ue_node *out, const char *rel, struct stat *top)
{
	char real[UE_PATH_MAX], idx[UE_PATH_MAX];
	struct stat ist;
	if (ue_node_real(real, sizeof real, out, out->layer, rel) < 0 || ue_index_path(real, idx, sizeof idx) < 0 ||
	    sys_lstat(idx, &ist) < 0 || !S_ISREG(ist.st_mode))
		return 0;
	out->indexed = 1;
	out->origin_ino = ue_cfg.one_dev ? top->st_ino : 0;
	*top = ist;
	top_xattrs(out, &(struct ue_kname){ AT_FDCWD, idx, -1 }, idx, top);
	return 1;
}

/* One step of the lookup: what the layers of the parent's stack hold at
 * rel, each at the path the redirects above give it there. */
static int child_compute(const char *rel, const struct ue_node *parent, const struct ue_dir_at *at,
                         struct ue_node *out, struct stat *top_out, struct statx *stx_out)
{
	char real[UE_PATH_MAX];
	struct stat st, top;
	struct statx stx, top_stx;
	memset(out, 0, sizeof *out);
	out->layer = -1;
	out->open_above = parent->open_above && ue_node_search_all(parent);
	out->redirect = parent->redirect;
	uint64_t layers = parent->stack;
	int metacopy = 0;
	const char *base = ue_path_base(rel);
	for (int i = 0; i < ue_cfg.nlayers; i++) {
		if (!(layers & (1ULL << i)))
			continue;
		/* aufs markers are the layer's bookkeeping, not names of the union */
		if ((parent->aufs & (1ULL << i)) && ue_aufs_is_marker(base))
			continue;
		int r = ue_node_real(real, sizeof real, out, i, rel);
		/* Through the caller's fd on this layer's directory, or one held
		 * on a lower's: no walk of the whole path by the kernel (du's,
		 * tar's, rm's names; git's and ls's). */
		if (r == 0 && at && at->layer == i && !out->redirect) {
			r = layer_lstat(at->fd, base, &st, &stx);
		} else if (r == 0) {
			struct ue_kname k;
			ue_lowerdir_name(real, i, &k);
			r = layer_lstat(k.fd, k.name, &st, &stx);
			ue_lowerdir_done(&k);
		}
		/* A name too long for a layer below a redirect is not there, as
		 * the kernel's lookup finds it. */
		if (r < 0 && r != -ENOENT && r != -ENOTDIR && !(r == -ENAMETOOLONG && i > UE_UPPER && out->redirect))
			return r;
		int wh = layer_whiteout(parent, i, real, &st, r == 0), m;
		if (r < 0 && !wh)
			continue;
		if (metacopy) {
			/* Below a metadata-only copy: the first full regular file holds the data. */
			if (wh || !S_ISREG(st.st_mode))
				break;
			if (!ue_is_metacopy(real)) {
				out->data_layer = i;
				break;
			}
			if ((r = follow_redirect(out, i, real, rel, &layers)) < 0)
				return r;
			continue;
		}
		if (out->layer < 0) {
			if (wh) {
				out->upper_whiteout = (i == UE_UPPER);
				break;
			}
			out->layer = i;
			out->type = st.st_mode & S_IFMT;
			top = st;
			top_stx = stx;
			out->in_lower = (i > UE_UPPER);
			/* Only a layer below can hold a metacopy file's data: a file
			 * with none below costs no look at its xattrs. */
			if (S_ISREG(st.st_mode) && (layers >> (i + 1)) && ue_is_metacopy(real)) {
				metacopy = 1;
				if ((r = follow_redirect(out, i, real, rel, &layers)) < 0)
					return r;
				continue;
			}
			if (!S_ISDIR(st.st_mode))
				break;
			out->stack = 1ULL << i;
			if ((m = dir_layer(out, i, real)) & UE_DIR_OPAQUE)
				break;
			if ((m & UE_DIR_REDIRECT) && (r = follow_redirect(out, i, real, rel, &layers)) < 0)
				return r;
			continue;
		}
		/* Below the top entry: only a directory keeps merging. */
		if (!wh)
			out->in_lower = 1;
		if (wh || !S_ISDIR(out->type) || !S_ISDIR(st.st_mode))
			break;
		out->stack |= 1ULL << i;
		if ((m = dir_layer(out, i, real)) & UE_DIR_OPAQUE)
			break;
		if ((m & UE_DIR_REDIRECT) && (r = follow_redirect(out, i, real, rel, &layers)) < 0)
			return r;
	}
	/* A redirected entry's own name may be free below: what a removal
	 * must hide is what the layers hold at its name, not where it points. */
	if (out->layer == UE_UPPER && (!out->in_lower || out->redirect != parent->redirect))
		out->in_lower = name_below(rel, parent, UE_UPPER);
	if (out->layer > UE_UPPER && S_ISREG(top.st_mode) && top.st_nlink > 1 && ue_cfg.index && !out->data_layer &&
	    indexed(out, rel, &top)) {
		if (top_out) {
			*top_out = top;
			stx_out->stx_mask = 0;  /* the index entry's was an lstat */
		}
		return 0;
	}
	if (out->layer >= 0 && S_ISDIR(out->type) && top_stx.stx_mask &&
	    (top_stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && !(top_stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
		out->dir_ino = top.st_ino;
		out->dir_dev = top.st_dev;
	}
	if (out->layer >= 0 && ue_real_path(real, sizeof real, out->layer, rel) == 0) {
		struct ue_kname k = { AT_FDCWD, real, -1 };
		if (at && at->layer == out->layer && !out->redirect)
			k.fd = at->fd, k.name = base;
		else
			ue_lowerdir_name(real, out->layer, &k);
		top_xattrs(out, &k, real, &top);
		ue_lowerdir_done(&k);
	}
	if (top_out && out->layer >= 0) {
		*top_out = top;
		*stx_out = top_stx;
	}
	return 0;
}

int ue_node_child_fresh(const char *rel, const struct ue_node *parent, struct ue_node *out)
{
	unsigned long mark = ue_cache_mark();
	int r = child_compute(rel, parent, NULL, out, NULL, NULL);
	if (r == 0)
		ue_cache_put(rel, out, mark);
	return r;
}

int ue_node_child_st(const char *rel, const struct ue_node *parent, struct ue_node *out, struct stat *top,
                     struct statx *top_stx, int *asked)
{
	*asked = 0;
	if (ue_cache_find(rel, out))
		return 0;
	return ue_node_child_new_st(rel, parent, NULL, out, top, top_stx, asked);
}

int ue_node_child_new_st(const char *rel, const struct ue_node *parent, const struct ue_dir_at *at,
                         struct ue_node *out, struct stat *top, struct statx *top_stx, int *asked)
{
	*asked = 0;
	unsigned long mark = ue_cache_mark();
	int r = child_compute(rel, parent, at, out, top, top_stx);
	if (r == 0) {
		ue_cache_put(rel, out, mark);
		*asked = out->layer >= 0;
	}
	return r;
}

int ue_node_child(const char *rel, const struct ue_node *parent, struct ue_node *out)
{
	struct stat top;
	struct statx top_stx;
	int asked;
	return ue_node_child_st(rel, parent, out, &top, &top_stx, &asked);
}

int ue_node_at(const char *rel, struct ue_node *out)
{
	if (ue_cache_find(rel, out))
		return 0;
	if (rel[0] == '\0') {
		unsigned long mark = ue_cache_mark();
		int r = root_compute(out);
		if (r == 0)
			ue_cache_put(rel, out, mark);
		return r;
	}
	char parent_rel[UE_PATH_MAX];
	struct ue_node parent;
	ue_rel_parent(parent_rel, rel);
	int r = ue_node_at(parent_rel, &parent);
	if (r < 0)
		return r;
	if (!ue_node_exists(&parent))
		return -ENOENT;
	if (!S_ISDIR(parent.type))
		return -ENOTDIR;
	return ue_node_child(rel, &parent, out);
}
