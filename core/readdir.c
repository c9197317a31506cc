#include "readdir.h"
#include "blocks.h"
#include "config.h"
#include "dirorigin.h"
#include "lookup.h"
#include "markers.h"
#include "namesort.h"
#include "ondir.h"
#include "origin.h"
#include "path.h"
#include "sharedwhiteout.h"
#include "sys.h"
#include "tmpname.h"

#include <dirent.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

struct seen {
	UT_hash_handle hh;
	struct ue_dirent *ent;     /* NULL: hidden by a whiteout or by a higher non-directory */
	char name[];
};

/* Call fn for every entry of the directory open as fd, except . and ..,
 * from where fd stands, until it returns non-zero; the d_ino of ".." into
 * *dotdot when asked. */
static int each_entry_of(int fd, int (*fn)(void *, int, struct linux_dirent64 *), void *arg, uint64_t *dotdot)
{
	char buf[32768];
	for (;;) {
		long n = sys_getdents64(fd, buf, sizeof buf);
		if (n <= 0)
			return (int)n;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			off += d->d_reclen;
			int r = 0;
			if (d->d_name[0] != '.' || (d->d_name[1] && (d->d_name[1] != '.' || d->d_name[2])))
				r = fn(arg, fd, d);
			else if (dotdot && d->d_name[1])
				*dotdot = d->d_ino;
			if (r != 0)
				return r;  /* an error, or fn has seen enough */
		}
	}
}

/* Call fn for every entry of the real directory path, except . and .. */
static int each_entry(const char *real, int (*fn)(void *, int, struct linux_dirent64 *), void *arg)
{
	int fd = sys_openat(AT_FDCWD, real, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	int r = each_entry_of(fd, fn, arg, NULL);
	sys_close(fd);
	return r;
}

/* The type of entry d of a layer's directory open as dfd, and
 * whether it is a whiteout inode (xwh: the directory holds xattr
 * whiteouts).  Only an entry that may be one costs a stat. */
static int dtype_of(int dfd, struct linux_dirent64 *d, int xwh, struct ue_shared_listed *shared, int *whiteout)
{
	struct stat st;
	*whiteout = 0;
	if (d->d_type != DT_UNKNOWN && d->d_type != DT_CHR && !(xwh && d->d_type == DT_REG))
		return d->d_type;
	/* A link of the shared whiteout: rm -rf's every name (core/sharedwhiteout.h). */
	if (ue_whiteout_listed(shared, dfd, d->d_ino, d->d_type)) {
		*whiteout = 1;
		return DT_CHR;
	}
	if (sys_fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return DT_UNKNOWN;
	/* Through the fd that was listed: by path, a racer's move of the
	 * directory (or one above it) in between reads another name or none,
	 * and a whiteout reads as no whiteout (a drop would keep it). */
	*whiteout = ue_whiteout_inode(dfd, d->d_name, &st, xwh) != 0;
	return IFTODT(st.st_mode);
}

/* Entries and names seen are cut from blocks, not allocated one by one:
 * listing a directory of a thousand names was two thousand mallocs and
 * frees, a fifth of a million-file find's time. */
enum { BLOCK_SIZE = 65536 };
static ue_block_spare spare_block;

static void *block_alloc(struct ue_block **head, size_t n)
{
	return ue_block_alloc(head, n, BLOCK_SIZE, &spare_block);
}

struct merge {
	struct seen *seen;
	struct ue_block *seen_blocks;
	struct ue_block *blocks;   /* the entries', handed to the list */
	int single;                /* one layer: its names are unique, nothing to hide */
	int layer;
	const char *real;          /* the layer's directory being read */
	int aufs, xwh;             /* it holds aufs markers, xattr whiteouts */
	int origins;               /* the upper's: holds origins of its entries (dirorigin.h); -1: not asked */
	int impure;                /* the upper's: marked impure (origin.h); -1: not asked */
	struct ue_shared_listed shared;  /* the layer's listing's */
	int emptiness;             /* only whether a name shows: stop at the first */
	size_t n, cap;
	struct ue_dirent **ent;
};

static struct ue_dirent *dirent_new(struct merge *m, uint64_t ino, unsigned char type, const char *name)
{
	size_t len = strlen(name);
	struct ue_dirent *e = block_alloc(&m->blocks, sizeof *e + len + 1);
	if (e) {
		e->ino = ino;
		e->type = type;
		memcpy(e->name, name, len + 1);
	}
	return e;
}

static int push(struct merge *m, struct ue_dirent *e)
{
	if (!e)
		return -ENOMEM;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct ue_dirent **ent = realloc(m->ent, cap * sizeof *ent);
		if (!ent)
			return -ENOMEM;
		m->ent = ent;
		m->cap = cap;
	}
	m->ent[m->n++] = e;
	return 0;
}

/* Mark name as seen and hidden (a whiteout's name), unless already seen. */
static int hide(struct merge *m, const char *name)
{
	struct seen *s;
	size_t len = strlen(name);
	HASH_FIND(hh, m->seen, name, len, s);
	if (s)
		return 0;
	if (!(s = block_alloc(&m->seen_blocks, sizeof *s + len + 1)))
		return -ENOMEM;
	memcpy(s->name, name, len + 1);
	s->ent = NULL;
	HASH_ADD(hh, m->seen, name, len, s);
	return 0;
}

static int merge_one(void *arg, int dfd, struct linux_dirent64 *d)
{
	struct merge *m = arg;
	struct seen *s;
	size_t len = strlen(d->d_name);
	if (m->aufs && ue_aufs_is_marker(d->d_name)) {
		/* .wh.NAME hides NAME below; .wh..wh..opq made the stack stop here */
		return strcmp(d->d_name, UE_AUFS_OPAQUE) && !m->single && !ue_layer_is_bottom(m->layer)
		           ? hide(m, ue_aufs_hidden(d->d_name)) : 0;
	}
	if (m->layer == UE_UPPER && ue_is_tmp_name(d->d_name))
		return 0;
	if (!m->single) {
		HASH_FIND(hh, m->seen, d->d_name, len, s);
		if (s)
			return 0;
		if (!(s = block_alloc(&m->seen_blocks, sizeof *s + len + 1)))
			return -ENOMEM;
		memcpy(s->name, d->d_name, len + 1);
		s->ent = NULL;
		HASH_ADD(hh, m->seen, name, len, s);
	}
	int wh;
	/* Asked whether the directory is empty, the upper's character
	 * devices are taken for whiteouts unlooked-at (each was stat'ed once
	 * here and once more in the removal's own look, rm -rf's two calls a
	 * name): a device that is not one is met by that look, which puts
	 * the directory back (ENOTEMPTY), or by the kernel's rmdir. */
	if (m->emptiness && m->layer == UE_UPPER && d->d_type == DT_CHR)
		return 0;
	int type = dtype_of(dfd, d, m->xwh, &m->shared, &wh);
	if (wh)
		return 0;
	if (m->emptiness)
		return 1;  /* a name shows */
	uint64_t ino = d->d_ino;
	/* A copied-up entry shows the inode number stat gives it: a symlink's
	 * or special file's is on the directory, asked once whether it holds
	 * any.  A file's or directory's is looked for only in a directory
	 * marked impure, as the kernel does (its readdir gives the upper's own
	 * number elsewhere): the mark is one question a listing, where each
	 * entry's origin was one a name (make reading obj/, 200 a no-op). */
	if (m->layer == UE_UPPER && ue_cfg.one_dev && type != DT_UNKNOWN) {
		char path[UE_PATH_MAX];
		int file = type == DT_REG || type == DT_DIR;
		if (!file && m->origins < 0)
			m->origins = ue_dirorigin_any(m->real);
		if (file && m->impure < 0)
			m->impure = ue_dir_impure(m->real);
		if ((file ? m->impure : m->origins) && ue_path_join(path, sizeof path, m->real, d->d_name) == 0) {
			unsigned long o = file ? ue_origin_ino(path) : ue_dirorigin_ino(path);
			if (o)
				ino = o;
		}
	}
	return push(m, dirent_new(m, ino, (unsigned char)type, d->d_name));
}

/* m reads layer i of dir next, its directory at real. */
static void layer_begin(struct merge *m, const struct ue_node *dir, int i, const char *real)
{
	m->layer = i;
	m->real = real;
	m->origins = -1;
	m->impure = -1;
	m->shared = (struct ue_shared_listed){ 0 };
	m->aufs = (dir->aufs >> i) & 1;
	m->xwh = (dir->xwh >> i) & 1;
}

/* Every layer of dir's stack into m, upper first, until one fails or
 * merge_one has seen enough (emptiness: a name shows). */
static int merge_layers(struct merge *m, const struct ue_node *dir, const char *rel, char *real, size_t size)
{
	int r = 0;
	for (int i = 0; i < ue_cfg.nlayers && r == 0; i++) {
		if (!(dir->stack & (1ULL << i)))
			continue;
		layer_begin(m, dir, i, real);
		if ((r = ue_node_real(real, size, dir, i, rel)) == 0)
			r = each_entry(real, merge_one, m);
	}
	return r;
}

/* A directory of one layer read through fd, the caller's own open of it
 * (fts opens each directory of find, du and rm -rf, then lists it): a
 * listing's own open made the kernel build ext4's hashed listing a second
 * time and walk the path three times more (the open, "." and "..").  Only
 * when fd is open on that very directory, and it is not the root of a
 * mount, whose ".." on disk is not the one its path gives.  The fd's
 * position is put back, unless how says (readdir.h).  1: listed into m;
 * 0: not this way (m untouched); -errno. */
static int list_through_fd(struct merge *m, const struct ue_node *dir, int fd, const char *real, int upper, int how)
{
	struct stat fst;
	struct statx stx;
	/* The caller's own open of the path: the node's statx tells it.  Else
	 * the fd is checked against the lookup's statx of the directory (the
	 * node's) or, where the node has none, another of its path. */
	int own = (how & UE_LIST_OWN_FD) && dir->dir_ino && dir->layer == m->layer;
	if (own) {
		stx.stx_ino = dir->dir_ino;
	} else if (sys_fstat(fd, &fst) < 0) {
		return 0;
	} else if (dir->dir_ino && dir->layer == m->layer) {
		if (dir->dir_ino != fst.st_ino || dir->dir_dev != fst.st_dev)
			return 0;
		stx.stx_ino = dir->dir_ino;
	} else if (sys_statx(AT_FDCWD, real, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_INO, &stx) < 0 ||
	           !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) || (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ||
	           makedev(stx.stx_dev_major, stx.stx_dev_minor) != fst.st_dev || stx.stx_ino != fst.st_ino) {
		return 0;
	}
	long pos = own ? 0 : sys_lseek(fd, 0, SEEK_CUR);
	if (pos < 0 || (pos && sys_lseek(fd, 0, SEEK_SET) < 0))
		return 0;
	unsigned long dot = upper && ue_cfg.one_dev ? ue_origin_ino(real) : 0;
	uint64_t dotdot = 1;
	int r;
	if ((r = push(m, dirent_new(m, dot ? dot : stx.stx_ino, DT_DIR, "."))) == 0 &&
	    (r = push(m, dirent_new(m, 1, DT_DIR, ".."))) == 0 && (r = each_entry_of(fd, merge_one, m, &dotdot)) == 0)
		m->ent[1]->ino = dotdot ? dotdot : 1;
	if (!own && !(how & UE_LIST_POS_FREE))
		sys_lseek(fd, pos, SEEK_SET);
	return r < 0 ? r : 1;
}

int ue_dir_list_fd(const char *rel, const struct ue_node *dir, int fd, struct ue_dirlist *out)
{
	return ue_dir_list_fd_how(rel, dir, fd, 0, out);
}

int ue_dir_list_fd_how(const char *rel, const struct ue_node *dir, int fd, int how, struct ue_dirlist *out)
{
	struct merge m = { 0 };
	char real[UE_PATH_MAX];
	struct stat st;
	int r = 0;
	out->n = 0;
	out->ent = NULL;
	out->blocks = NULL;
	m.single = __builtin_popcountll(dir->stack) == 1;
	if (!ue_node_exists(dir))
		return -ENOENT;
	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	if (m.single && fd >= 0) {
		layer_begin(&m, dir, __builtin_ctzll(dir->stack), real);
		if ((r = ue_node_real(real, sizeof real, dir, m.layer, rel)) < 0 ||
		    (r = list_through_fd(&m, dir, fd, real, m.layer == UE_UPPER, how)) != 0)
			goto out;
	}
	/* "." and ".." first, as the kernel gives them. */
	unsigned long dot_origin = 0;
	if ((r = ue_node_real(real, sizeof real, dir, dir->layer, rel)) < 0 || (r = sys_lstat(real, &st)) < 0)
		goto out;
	if (dir->layer == UE_UPPER && ue_cfg.one_dev)
		dot_origin = ue_origin_ino(real);
	/* ".." with a number, not 0: busybox and others skip an entry whose
	 * d_ino is 0, as a deleted one.  Its top layer's parent's number. */
	struct stat up;
	char parent[UE_PATH_MAX];
	unsigned long dotdot = 1;
	if (ue_path_join(parent, sizeof parent, real, "..") == 0 && sys_lstat(parent, &up) == 0)
		dotdot = up.st_ino;
	if ((r = push(&m, dirent_new(&m, dot_origin ? dot_origin : st.st_ino, DT_DIR, "."))) < 0 ||
	    (r = push(&m, dirent_new(&m, dotdot, DT_DIR, ".."))) < 0)
		goto out;
	r = merge_layers(&m, dir, rel, real, sizeof real);
out:;
	HASH_CLEAR(hh, m.seen);
	ue_blocks_free(&m.seen_blocks, &spare_block);
	out->n = m.n;
	out->ent = m.ent;
	out->blocks = m.blocks;
	if (r < 0) {
		ue_dir_free(out);
		return r;
	}
	if (out->n > 2)
		ue_sort_by_name(out->ent + 2, out->n - 2);
	return 0;
}

int ue_dir_list(const char *rel, const struct ue_node *dir, struct ue_dirlist *out)
{
	return ue_dir_list_fd(rel, dir, -1, out);
}

void ue_dir_free(struct ue_dirlist *l)
{
	ue_blocks_free(&l->blocks, &spare_block);
	free(l->ent);
	l->ent = NULL;
	l->n = 0;
}

/* The merge of ue_dir_list, its layers' entries only, up to the first
 * name that shows: no ".", "..", sort or inode numbers. */
int ue_dir_is_empty(const char *rel, const struct ue_node *dir)
{
	struct merge m = { .emptiness = 1 };
	char real[UE_PATH_MAX];
	int r = 0;
	if (!ue_node_exists(dir))
		return -ENOENT;
	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	m.single = __builtin_popcountll(dir->stack) == 1;
	r = merge_layers(&m, dir, rel, real, sizeof real);
	HASH_CLEAR(hh, m.seen);
	ue_blocks_free(&m.seen_blocks, &spare_block);
	return r < 0 ? r : r == 0;
}

/* What the upper's directory being emptied holds besides its entries. */
struct drop {
	int xwh;                   /* marked as holding xattr whiteouts, or opaque */
	struct ue_shared_listed shared;
};

static int drop_one(void *arg, int dfd, struct linux_dirent64 *d)
{
	struct drop *dr = arg;
	int wh;
	dtype_of(dfd, d, dr->xwh, &dr->shared, &wh);
	if (!wh && ue_cfg.upper_form == UE_FORM_AUFS)
		wh = ue_aufs_is_marker(d->d_name);
	if (wh) {
		/* Gone already, or a directory in its place: a racer's removal
		 * or create took the name since the listing, and has its own
		 * reasons; the drop goes on to the other names. */
		int r = sys_unlinkat(dfd, d->d_name, 0);
		return r == -ENOENT || r == -EISDIR ? 0 : r;
	}
	/* A crashed copy-up's file goes (best effort); a live racer's work in
	 * progress stays: it is renamed into place or removed by its owner,
	 * which would otherwise fail an operation the kernel lets succeed. */
	if (ue_tmp_name_abandoned(d->d_name))
		sys_unlinkat(dfd, d->d_name, 0);
	return 0;
}

static int drop_whiteouts_in(const char *dir)
{
	/* Opaque too: a racer's xattr whiteout, placed between the drop before
	 * the directory became opaque and this one, reads as an empty file
	 * there and must go as well (core/mark.c, ue_set_opaque_clean). */
	struct drop dr = { .xwh = (ue_dir_markers(dir, 0) & (UE_DIR_XWHITEOUTS | UE_DIR_OPAQUE)) != 0 };
	return each_entry(dir, drop_one, &dr);
}

int ue_dir_drop_whiteouts(const char *real_dir)
{
	/* The markers read and the entries listed through one fd: by path, a
	 * racer's move in between would read one directory and list another. */
	return ue_on_dir(real_dir, drop_whiteouts_in);
}
