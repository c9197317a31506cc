/* unionenv fsck --work: the union's index (layerindex.h), checked as the
 * kernel checks it when it mounts with index=on (ovl_indexdir_cleanup and
 * ovl_verify_index in fs/overlayfs), which on 6.18 here:
 *   removes a temporary name ("#N": a copy-up's, or its shared whiteout);
 *   refuses to mount (EINVAL) over a name that is not a file handle in hex,
 *   and (ENODATA) over a file entry with no origin record;
 *   removes a file entry whose origin record names another file (stale);
 *   removes a file entry with one link (no upper name) whose link record
 *   counts no name in the union (orphan);
 * and then trusts the link record ("U+N": the union's count is the upper
 * inode's plus N; a missing or unreadable one: the upper inode's count).
 * fsck reports each, and --repair does what the kernel does, writes the
 * origin record the entry's name spells, and, knowing the lowers, counts
 * the names the union shows (the upper's linked to the entry, and the
 * lowers' that show it) and writes the record that says so, or removes an
 * entry no name shows.  A name of the upper copied up from a file of the
 * index but not linked to its entry is apart from the other names in the
 * kernel's view too (ovl_lookup_index ignores the entry for it): reported
 * only, which copy is right is not known. */
#include "fsck.h"
#include "markers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

/* An overlay file handle's header: version 0, magic 0xfb, length. */
#define FB_HEADER 21

static void to_hex(const unsigned char *fb, long n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (long i = 0; i < n; i++) {
		hex[2 * i] = digits[fb[i] >> 4];
		hex[2 * i + 1] = digits[fb[i] & 15];
	}
	hex[2 * n] = '\0';
}

/* The file handle an entry's name spells: its length, or -1 when the name
 * is not one (the kernel refuses to mount). */
static long from_hex(const char *name, unsigned char *fb)
{
	size_t l = strlen(name);
	if (l % 2 || l < 2 * FB_HEADER || l > 2 * 255)
		return -1;
	for (size_t i = 0; i < l; i += 2) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char ch = name[i + k];
			int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
			if (d < 0)
				return -1;
			v = v * 16 + (unsigned)d;
		}
		fb[i / 2] = (unsigned char)v;
	}
	long n = (long)(l / 2);
	return fb[1] == 0xfb && fb[2] == n ? n : -1;
}

void fsck_index_name(struct fctx *c, int dfd, const struct lent *e)
{
	const struct lindex *x = c->index;
	unsigned char fb[256];
	char hex[LINDEX_NAME_MAX + 1];
	if (!x || x->fd < 0 || !x->nent)
		return;
	ssize_t n = xa_get(dfd, e->raw, UE_OVL_USER(ORIGIN), fb, sizeof fb);
	if (n < FB_HEADER)
		return;
	to_hex(fb, n, hex);
	struct stat ist, st;
	if (fstatat(x->fd, hex, &ist, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(ist.st_mode) ||
	    fstatat(dfd, e->raw, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (st.st_dev != ist.st_dev || st.st_ino != ist.st_ino)
		report(c, e->name, 0, "a copy of a lower file with several names that is not linked to its index "
		       "entry (index/%s): the union shows it apart from the file's other names", hex);
}

/* The lowers' names that show each entry (with --lower). */
struct counts {
	char **hex;
	size_t n, cap;
};

static void count_name(void *ctx, const struct lindex_name *ln)
{
	struct counts *k = ctx;
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 64;
		k->hex = xrealloc(k->hex, k->cap * sizeof *k->hex);
	}
	k->hex[k->n++] = xstrdup(ln->hex);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static long count_of(const struct counts *k, const char *hex)
{
	long n = 0;
	for (size_t i = 0; i < k->n; i++)   /* sorted: could bisect; fsck reads every file anyway */
		n += !strcmp(k->hex[i], hex);
	return n;
}

/* The union's count the link record of entry name gives (nlink: the
 * entry's), or -1: none, or one the kernel does not read. */
static long recorded(int xfd, const char *name, unsigned long nlink, char *v)
{
	ssize_t n = xa_get(xfd, name, UE_OVL_USER(NLINK), v, 15);
	if (n < 2 || n > 12 || v[0] != 'U' || (v[1] != '+' && v[1] != '-'))
		return -1;
	v[n] = '\0';
	char *end;
	long d = strtol(v + 1, &end, 10);
	long total = (long)nlink + d;
	return *end || total < 0 ? -1 : total;
}

/* One entry of the index: a regular file whose name spells fb (n bytes). */
static void check_entry(struct fctx *c, int xfd, const char *name, const struct stat *st,
                        const unsigned char *fb, long n, const struct counts *k, int have_lowers)
{
	unsigned char of[256];
	ssize_t on = xa_get(xfd, name, UE_OVL_USER(ORIGIN), of, sizeof of);
	if (on < 0) {
		int ok = c->repair && lsetxattr(fdpath(xfd, name), UE_OVL_USER(ORIGIN), fb, (size_t)n, 0) == 0;
		report(c, name, ok, "no origin record: the kernel refuses to mount with index=on (ENODATA); "
		       "the entry's name says what it is");
	} else if (on != n || memcmp(of, fb, (size_t)n)) {
		int ok = c->repair && unlinkat(xfd, name, 0) == 0;
		report(c, name, ok, "its origin record names another file than its name: stale, the kernel "
		       "removes it when it mounts (the file's names part)");
		return;
	}
	char v[16];
	long rec = recorded(xfd, name, st->st_nlink, v);
	long names = have_lowers ? (long)st->st_nlink - 1 + count_of(k, name) : rec < 0 ? 0 : rec;
	if (st->st_nlink == 1 && names == 0) {
		int ok = c->repair && unlinkat(xfd, name, 0) == 0;
		report(c, name, ok, "orphan: no name of the union shows it (the kernel removes it when it mounts)");
		return;
	}
	if (have_lowers && rec != names) {
		char w[16];
		snprintf(w, sizeof w, "U%+ld", names - (long)st->st_nlink);
		int ok = c->repair && lsetxattr(fdpath(xfd, name), UE_OVL_USER(NLINK), w, strlen(w), 0) == 0;
		if (rec < 0)
			report(c, name, ok, "no link record the kernel reads: it counts %lu names, the union shows %ld",
			       (unsigned long)st->st_nlink, names);
		else
			report(c, name, ok, "link record '%s' counts %ld names, the union shows %ld", v, rec, names);
	} else if (rec < 0) {
		report(c, name, 0, "no link record the kernel reads: it counts the upper inode's %lu links "
		       "(give --lower to count the names)", (unsigned long)st->st_nlink);
	}
}

void fsck_index(struct fctx *c, const char *work, int ufd, const struct mdir *low)
{
	const struct lindex *x = c->index;
	if (!x || x->fd < 0)
		return;
	struct counts k = { 0 };
	if (low)
		lindex_lower_names(x, ufd, low, count_name, &k);
	qsort(k.hex, k.n, sizeof *k.hex, cmp_str);
	struct ldir d;
	int r = ldir_read(x->fd, &d);
	if (r < 0)
		ue_die("work '%s': index: %s", work, strerror(-r));
	struct pbuf saved = c->path;
	pb_init(&c->path, work);
	pb_push(&c->path, "index");
	for (size_t i = 0; i < d.n; i++) {
		const char *name = d.e[i].raw;
		unsigned char fb[256];
		struct stat st;
		if (fstatat(x->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (name[0] == '#') {
			int ok = c->repair && (S_ISDIR(st.st_mode) ? rm_tree(x->fd, name) : unlinkat(x->fd, name, 0)) == 0;
			report(c, name, ok, "a temporary name of the kernel's (it removes it when it mounts)");
			continue;
		}
		long n = from_hex(name, fb);
		if (n < 0) {
			report(c, name, 0, "not an index entry: the kernel refuses to mount with index=on (EINVAL)");
			continue;
		}
		/* Directory and whiteout entries: a kernel's index=all or
		 * nfs_export, which unionenv does not write. */
		if (S_ISREG(st.st_mode))
			check_entry(c, x->fd, name, &st, fb, n, &k, low != NULL);
	}
	ldir_free(&d);
	pb_free(&c->path);
	c->path = saved;
	for (size_t i = 0; i < k.n; i++)
		free(k.hex[i]);
	free(k.hex);
}
