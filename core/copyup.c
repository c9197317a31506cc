#include "copyup.h"
#include "cache.h"
#include "config.h"
#include "copydata.h"
#include "dirorigin.h"
#include "index.h"
#include "layerpath.h"
#include "lookup.h"
#include "mark.h"
#include "markers.h"
#include "opaquetree.h"
#include "origin.h"
#include "override.h"
#include "path.h"
#include "perm.h"
#include "procfd.h"
#include "readdir.h"
#include "redirect.h"
#include "sys.h"
#include "tmpentry.h"
#include "tmpname.h"
#include "trace.h"

#include <dirent.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

/* Whether the copy may land at base in the directory t holds.  Our
 * caller looked a moment ago; a racer may since have removed the name (a
 * whiteout there, or an aufs marker beside it) or made the directory
 * opaque (made it anew, or copied it whole): no lower shows through it
 * then, and what a lower holds must not come up into it.  0: go on;
 * 1: the name is there already (a racer's copy: ours is not needed);
 * -ENOENT. */
static int may_land(const struct ue_tmp *t, const char *base)
{
	char at[UE_PATH_MAX];
	struct stat st;
	ue_proc_fd(at, sizeof at, t->dfd, base);
	if (ue_hidden_beside(at) || ue_tmp_is_whiteout(t->dfd, base))
		return -ENOENT;
	ue_proc_fd(at, sizeof at, t->dfd, ".");
	if (!(ue_dir_markers(at, ue_cfg.upper_form == UE_FORM_AUFS ? UE_AUFS_ASSUME : 0) & UE_DIR_OPAQUE))
		return 0;
	return sys_fstatat(t->dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 1 : -ENOENT;
}

/* After a placement (ino: of our copy, 0 when the name was taken): a
 * racer's copy (done), or a whiteout a racer made after our look (the name
 * is gone).  An aufs marker sits beside the name, so a racer's removal may
 * have made it between may_land's look and our placing, and found nothing
 * at the name to remove: whoever comes second sees the other (it looks at
 * the name after its marker, we at the marker after placing), and we take
 * our copy back. */
static int landed(const struct ue_tmp *t, const char *base, ino_t ino)
{
	char at[UE_PATH_MAX];
	struct stat st;
	if (ue_tmp_is_whiteout(t->dfd, base))
		return -ENOENT;
	ue_proc_fd(at, sizeof at, t->dfd, base);
	if (!ue_hidden_beside(at))
		return 0;
	if (ino && sys_fstatat(t->dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == ino)
		sys_unlinkat(t->dfd, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
	return -ENOENT;
}

/* The inode number of the entry name in t's directory. */
static ino_t tmp_ino_at(const struct ue_tmp *t, const char *name)
{
	struct stat st;
	return sys_fstatat(t->dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st.st_ino : 0;
}

/* The inode number of the entry at our temporary name, or of fd. */
static ino_t tmp_ino(const struct ue_tmp *t, int fd)
{
	struct stat st;
	if (fd < 0)
		return tmp_ino_at(t, t->name);
	return sys_fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/* A regular file: written into an O_TMPFILE in the directory t holds and
 * linked into place, or where the filesystem has none under t's
 * temporary name, renamed into place. */
static int copy_up_file(const char *src, const char *data_src, struct ue_tmp *t, const char *base,
                        const struct stat *st, int flags)
{
	int in = -1, out, r;
	out = sys_openat(t->dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	int named = out < 0;
	if (named && (out = sys_openat(t->dfd, t->name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600)) < 0)
		return out;
	if (!(flags & UE_COPYUP_NODATA) && st->st_size > 0) {
		in = sys_openat(AT_FDCWD, data_src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
		r = in < 0 ? in : ue_copy_data(in, out, st->st_size);
		if (in >= 0)
			sys_close(in);
		if (r < 0)
			goto out;
	}
	if (!named) {
		char proc[64];
		ue_proc_fd(proc, sizeof proc, out, NULL);
		/* Metadata on the fd, before the file becomes visible. */
		if ((r = ue_copy_xattrs(src, NULL, out)) < 0)
			goto out;
		ue_origin_set(src, out, NULL);
		if ((r = ue_copy_meta(NULL, out, st)) < 0 || (r = may_land(t, base)) != 0)
			goto out;
		r = sys_linkat(AT_FDCWD, proc, t->dfd, base, AT_SYMLINK_FOLLOW);
		if (r == 0 || r == -EEXIST)  /* EEXIST: another process copied it up first */
			r = landed(t, base, r == 0 ? tmp_ino(t, out) : 0);
		goto out;
	}
	if ((r = ue_copy_xattrs(src, t->path, -1)) == 0) {
		ue_origin_set(src, -1, t->path);
		r = ue_copy_meta(t->path, -1, st);
	}
	if (r == 0 && (r = may_land(t, base)) == 0) {
		ino_t ino = tmp_ino(t, out);
		sys_close(out);
		out = -1;
		r = ue_tmp_place(t, base);
		return r == 0 ? landed(t, base, ino) : r;
	}
out:
	if (out >= 0)
		sys_close(out);
	if (named)
		ue_tmp_discard(t);
	return r < 0 ? r : 0;
}

/* A lower file with other names (index.h): its copy in the index, made
 * there first by whichever name comes first, linked at base.  1 where no
 * index serves (none given, no file handle, an upper that holds no user
 * xattrs): the name is copied alone. */
static int copy_up_indexed(const char *src, const char *data_src, struct ue_tmp *t, const char *base,
                           const struct stat *st, int flags)
{
	char idx[UE_PATH_MAX];
	struct stat ist;
	if (ue_index_path(src, idx, sizeof idx) < 0 ||
	    ue_index_make(src, data_src, idx, st, flags & UE_COPYUP_NODATA) < 0)
		return 1;
	int r = may_land(t, base);
	if (r != 0)
		return r < 0 ? r : 0;
	r = ue_index_link(idx, t->dfd, base, st->st_nlink);
	if (r == 0 || r == -EEXIST)  /* EEXIST: a racer linked it first */
		r = landed(t, base, r == 0 && sys_lstat(idx, &ist) == 0 ? ist.st_ino : 0);
	return r;
}

/* A symlink or special file takes no user. xattr: its origin goes on its
 * directory (dirorigin.h), once our copy (inode ino) holds the name: a
 * racer's copy that won writes its own. */
static void record_origin(const struct ue_tmp *t, const char *base, ino_t ino, const char *src)
{
	char at[UE_PATH_MAX];
	if (ino && tmp_ino_at(t, base) == ino && ue_proc_fd(at, sizeof at, t->dfd, base) > 0)
		ue_dirorigin_set(at, src);
}

/* A directory, symlink or special file: made under t's temporary name,
 * then put in place. */
static int copy_up_other(const char *src, struct ue_tmp *t, const char *base, const struct stat *st)
{
	char tgt[UE_PATH_MAX];
	int r;
	if (S_ISLNK(st->st_mode)) {
		long n = sys_readlinkat(AT_FDCWD, src, tgt, sizeof tgt - 1);
		if (n < 0)
			return (int)n;
		tgt[n] = '\0';
	}
	if (S_ISDIR(st->st_mode))
		r = sys_mkdirat(t->dfd, t->name, 0700);
	else if (S_ISLNK(st->st_mode))
		r = sys_symlinkat(tgt, t->dfd, t->name);
	else
		r = sys_mknodat(t->dfd, t->name, st->st_mode & (S_IFMT | 0600), st->st_rdev);
	if (r < 0)
		return r;
	if ((r = ue_copy_xattrs(src, t->path, -1)) == 0) {
		/* Symlinks and special files take no user xattrs: files and dirs only. */
		if (S_ISDIR(st->st_mode))
			ue_origin_set(src, -1, t->path);
		r = ue_copy_meta(t->path, -1, st);
	}
	if (r == 0 && (r = may_land(t, base)) == 0) {
		ino_t ino = tmp_ino(t, -1);
		r = ue_tmp_place(t, base);
		if (r == 0 && (r = landed(t, base, ino)) == 0 && ue_dirorigin_kind(st->st_mode))
			record_origin(t, base, ino, src);
		return r;
	}
	ue_tmp_discard(t);
	return r < 0 ? r : 0;
}

void (*ue_copy_up_as_owner)(int begin);
/* This thread's copy-ups under way: the hook is called by the outermost. */
static __thread int owner_depth;

static void owner_begin(void)
{
	if (ue_copy_up_as_owner && owner_depth++ == 0)
		ue_copy_up_as_owner(1);
}

static int owner_end(int r)
{
	if (ue_copy_up_as_owner && --owner_depth == 0)
		ue_copy_up_as_owner(0);
	return r;
}

/* Whether a directory above the upper directory prel (prel itself not
 * asked: may_land asks it through its fd) is opaque, with no redirect
 * between that starts the lowers' path anew.  Nothing of a lower then
 * shows in prel: a racer moved the directory the caller looked at away
 * and made the names anew (mkdir -p over a renamed tree), and what our
 * look took for the lower's entry must not come up into the new one.
 * Asked after the directory is opened, so that one made anew is seen
 * with its opaque ancestor: that is marked before anything is made in it. */
static int opaque_above(const char *prel)
{
	char dir[UE_PATH_MAX], real[UE_PATH_MAX];
	int aufs = ue_cfg.upper_form == UE_FORM_AUFS ? UE_AUFS_ASSUME : 0;
	ue_rel_parent(dir, prel);
	while (dir[0]) {
		if (ue_real_path(real, sizeof real, UE_UPPER, dir) < 0)
			return 0;
		int m = ue_dir_markers(real, aufs);
		if (m > 0 && (m & UE_DIR_OPAQUE))
			return 1;
		if (m > 0 && (m & UE_DIR_REDIRECT))
			return 0;
		char *slash = strrchr(dir, '/');
		*(slash ? slash : dir) = '\0';
	}
	return 0;
}

/* Copy up one entry whose parent is already in the upper. */
static int copy_up_one(const char *rel, struct ue_node *n, int flags)
{
	char src[UE_PATH_MAX], data_src[UE_PATH_MAX], dst[UE_PATH_MAX], dst_dir[UE_PATH_MAX], prel[UE_PATH_MAX];
	struct stat st;
	int r;
	if (n->layer == UE_UPPER)
		return 0;
	if (!ue_node_exists(n))
		return -ENOENT;
	ue_rel_parent(prel, rel);
	if ((r = ue_node_real(src, sizeof src, n, n->layer, rel)) < 0 ||
	    (r = ue_node_data_real(data_src, sizeof data_src, n, rel)) < 0 ||
	    (r = ue_real_path(dst, sizeof dst, UE_UPPER, rel)) < 0 ||
	    (r = ue_real_path(dst_dir, sizeof dst_dir, UE_UPPER, prel)) < 0)
		return r;
	struct stat parent;
	if ((r = sys_lstat(src, &st)) < 0 || (r = sys_lstat(dst_dir, &parent)) < 0)
		return r;
	struct ue_override o;
	if (st.st_uid != 0 && ue_override_get(src, -1, &o) == 1)
		ue_override_apply(&o, &st);  /* a lower's recorded owner is the one to give */
	/* Everything in the directory as we find it now, through one fd:
	 * wherever a racer's rename takes it, nothing of ours is left. */
	struct ue_tmp t;
	if ((r = ue_tmp_open(&t, dst_dir)) < 0)
		return r;
	if (opaque_above(prel)) {
		/* A racer's entry at the name is what the union shows there now,
		 * with nothing below it; else the name is gone. */
		r = sys_fstatat(t.dfd, ue_path_base(dst), &st, AT_SYMLINK_NOFOLLOW);
		ue_tmp_close(&t);
		if (r < 0)
			return -ENOENT;
		n->layer = UE_UPPER;
		n->stack = 1;
		n->data_layer = 0;
		n->indexed = 0;
		n->origin_ino = 0;
		return 0;
	}
	r = S_ISREG(st.st_mode) && st.st_nlink > 1 && ue_cfg.index && !n->data_layer
	        ? copy_up_indexed(src, data_src, &t, ue_path_base(dst), &st, flags) : 1;
	if (r == 1)
		r = S_ISREG(st.st_mode) ? copy_up_file(src, data_src, &t, ue_path_base(dst), &st, flags)
		                        : copy_up_other(src, &t, ue_path_base(dst), &st);
	ue_tmp_close(&t);
	if (r < 0)
		return r;
	/* A copy-up is no change to the directory: its times stay, as the
	 * kernel restores them (best effort, as there). */
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
		ue_set_impure(dst_dir);
	struct timespec ts[2] = { parent.st_atim, parent.st_mtim };
	sys_utimensat(AT_FDCWD, dst_dir, ts, 0);
	ue_changed(rel, 0);
	if (ue_trace_on)
		ue_trace_event("copy-up", rel);
	n->layer = UE_UPPER;
	n->stack |= 1;
	n->data_layer = 0;
	n->indexed = 0;
	n->origin_ino = !ue_cfg.one_dev ? 0 : ue_dirorigin_kind(st.st_mode) ? ue_dirorigin_ino(dst) : st.st_ino;
	return 0;
}

static int copy_up_parents(const char *rel)
{
	char prefix[UE_PATH_MAX];
	size_t len = strlen(rel);
	if (len + 1 > sizeof prefix)
		return -ENAMETOOLONG;
	/* Top down: each parent's own parent is in the upper when it is made. */
	for (size_t i = 0; i < len; i++) {
		if (rel[i] != '/')
			continue;
		memcpy(prefix, rel, i);
		prefix[i] = '\0';
		struct ue_node n;
		int r = ue_node_at(prefix, &n);
		if (r < 0)
			return r;
		if (!ue_node_exists(&n))
			return -ENOENT;
		if (!S_ISDIR(n.type))
			return -ENOTDIR;
		if (n.layer != UE_UPPER && (r = copy_up_one(prefix, &n, 0)) < 0)
			return r;
	}
	return 0;
}

/* Finish a metadata-only copy-up (the kernel's metacopy): the data comes
 * into the upper file in place, its times kept, and only then does the
 * marker go, so an interrupted copy leaves the file reading from below. */
static int copy_up_metacopy_data(const char *rel, struct ue_node *n, int flags)
{
	char src[UE_PATH_MAX], dst[UE_PATH_MAX];
	struct stat st;
	int r;
	if ((r = ue_node_data_real(src, sizeof src, n, rel)) < 0 || (r = ue_real_path(dst, sizeof dst, UE_UPPER, rel)) < 0 ||
	    (r = sys_lstat(dst, &st)) < 0)
		return r;
	if (!(flags & UE_COPYUP_NODATA) && st.st_size > 0) {
		int in = sys_openat(AT_FDCWD, src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
		if (in < 0)
			return in;
		int out = sys_openat(AT_FDCWD, dst, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
		r = out < 0 ? out : ue_copy_data(in, out, st.st_size);
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		if (r == 0)
			r = sys_utimensat(out, NULL, ts, 0);
		if (out >= 0)
			sys_close(out);
		sys_close(in);
		if (r < 0)
			return r;
	}
	if ((r = ue_metacopy_clear(dst)) < 0)
		return r;
	ue_changed(rel, 0);
	if (ue_trace_on)
		ue_trace_event("copy-up-data", rel);
	n->data_layer = 0;
	return 0;
}

int ue_copy_up_parents(const char *rel)
{
	owner_begin();
	return owner_end(copy_up_parents(rel));
}

static int copy_up(const char *rel, struct ue_node *n, int flags)
{
	if (n->layer == UE_UPPER)
		return n->data_layer ? copy_up_metacopy_data(rel, n, flags) : 0;
	int r = copy_up_parents(rel);
	return r < 0 ? r : copy_up_one(rel, n, flags);
}

int ue_copy_up(const char *rel, struct ue_node *n, int flags)
{
	if (n->layer == UE_UPPER && !n->data_layer)
		return 0;  /* the common case: no hook called */
	owner_begin();
	return owner_end(copy_up(rel, n, flags));
}

int ue_copy_up_linked(const char *rel, struct ue_node *n)
{
	char src[UE_PATH_MAX];
	struct stat st;
	if (!ue_cfg.index || n->layer <= UE_UPPER || !S_ISREG(n->type) || n->data_layer)
		return 0;
	if (!n->indexed && (ue_node_real(src, sizeof src, n, n->layer, rel) < 0 || sys_lstat(src, &st) < 0 || st.st_nlink < 2))
		return 0;
	return ue_copy_up(rel, n, 0);
}

/* Call fn on each name of list (the union directory rel's) that exists,
 * until one fails; seen, when given, marks those fn was called on. */
static int each_listed(const struct ue_caller *c, const char *rel, const struct ue_dirlist *list,
                       int (*fn)(const struct ue_caller *, const char *, struct ue_node *), unsigned char *seen)
{
	char child[UE_PATH_MAX];
	int r = 0;
	for (size_t i = 0; i < list->n && r >= 0; i++) {
		struct ue_node cn;
		const char *name = list->ent[i]->name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (rel[0] == '\0')
			r = strlen(name) < sizeof child ? (strcpy(child, name), 0) : -ENAMETOOLONG;
		else
			r = ue_path_join(child, sizeof child, rel, name);
		if (r == 0 && (r = ue_node_at(child, &cn)) == 0 && ue_node_exists(&cn)) {
			r = fn(c, child, &cn);
			if (seen)
				seen[i] = 1;
		}
	}
	return r;
}

/* Call fn on each name of the union directory rel (node n) that exists,
 * until one fails. */
static int each_child(const struct ue_caller *c, const char *rel, const struct ue_node *n,
                      int (*fn)(const struct ue_caller *, const char *, struct ue_node *))
{
	struct ue_dirlist list;
	int r = ue_dir_list(rel, n, &list);
	if (r < 0)
		return r;
	r = each_listed(c, rel, &list, fn, NULL);
	ue_dir_free(&list);
	return r;
}

static int by_name(const void *key, const void *ent)
{
	return strcmp(key, (*(struct ue_dirent *const *)ent)->name);
}

struct seen_set {
	const struct ue_dirlist *list;
	const unsigned char *seen;
};

/* Whether name is in the list (sorted after "." and "..") and was seen. */
static int was_seen(const char *name, void *arg)
{
	const struct seen_set *s = arg;
	if (s->list->n <= 2)
		return 0;
	struct ue_dirent **e = bsearch(name, s->list->ent + 2, s->list->n - 2, sizeof *s->list->ent, by_name);
	return e && s->seen[e - s->list->ent];
}

/* Whether the caller may read everything a copy of the tree at rel must
 * read from the lowers: each lower directory listed and searched, each
 * lower file's data read.  Checked whole before anything is copied, so
 * that a refusal (EACCES) leaves the upper as it was. */
static int tree_readable(const struct ue_caller *c, const char *rel, struct ue_node *n)
{
	char real[UE_PATH_MAX];
	int r = 0;
	if (!S_ISDIR(n->type)) {
		if (n->layer == UE_UPPER && !n->data_layer)
			return 0;
		if (!S_ISREG(n->type))
			return 0;  /* a symlink is read without permission; devices are made, not read */
		if ((r = ue_node_data_real(real, sizeof real, n, rel)) < 0)
			return r;
		return ue_may(c, real, R_OK);
	}
	for (int i = UE_UPPER + 1; i < ue_cfg.nlayers; i++) {
		if (!(n->stack & (1ULL << i)))
			continue;
		if ((r = ue_node_real(real, sizeof real, n, i, rel)) < 0 || (r = ue_may(c, real, R_OK | X_OK)) < 0)
			return r;
	}
	if (n->stack == 1)
		return 0;
	return each_child(c, rel, n, tree_readable);
}

static int copy_up_tree(const struct ue_caller *c, const char *rel, struct ue_node *n);

int ue_copy_up_tree(const struct ue_caller *c, const char *rel, struct ue_node *n)
{
	/* Checked as the caller; copied as the owner. */
	int r = tree_readable(c, rel, n);
	if (r < 0)
		return r;
	owner_begin();
	return owner_end(copy_up_tree(c, rel, n));
}

/* A name below a directory being copied whole: what is not the upper's
 * alone comes up too. */
static int copy_child(const struct ue_caller *c, const char *rel, struct ue_node *n)
{
	if (n->layer != UE_UPPER || n->data_layer || (S_ISDIR(n->type) && n->stack != 1))
		return copy_up_tree(c, rel, n);
	return 0;
}

static int copy_up_tree(const struct ue_caller *c, const char *rel, struct ue_node *n)
{
	int r = copy_up(rel, n, 0);
	if (r < 0 || !S_ISDIR(n->type))
		return r;
	char upper[UE_PATH_MAX];
	struct ue_dirlist list;
	if ((r = ue_dir_list(rel, n, &list)) < 0)
		return r;
	unsigned char *seen = calloc(list.n + 1, 1);
	r = seen ? each_listed(c, rel, &list, copy_child, seen) : -ENOMEM;
	/* Every visible name is now in the upper: the whiteouts have nothing to
	 * hide once the directory is opaque.  The directories in it the copy did
	 * not see (a racer's rmdir had one aside, or a racer made one since the
	 * listing) are cleaned as the copy would have cleaned them
	 * (core/opaquetree.h). */
	if (r >= 0)
		r = ue_real_path(upper, sizeof upper, UE_UPPER, rel);
	if (r >= 0 && n->stack != 1) {
		if ((r = ue_set_opaque_clean(upper)) == 0 && (r = ue_redirect_clear(upper)) == 0 &&
		    (r = ue_opaque_unseen(upper, was_seen, &(struct seen_set){ &list, seen })) == 0) {
			n->stack = 1;
			ue_changed(rel, 1);
		}
	}
	ue_dir_free(&list);
	free(seen);
	return r < 0 ? r : 0;
}
