/* The kernel's index as the layer tools read it (--work DIR; the union's
 * core/index.h writes it).  A lower file with several names that the union
 * copied up is one inode in WORK/index/HEX (HEX: the hex of its origin
 * record, the lower's overlay file handle), hard-linked at each name
 * copied up; the names still in the lowers show that entry, not the
 * lower's file, as the kernel's lookup does (ovl_lookup_index).  A tool
 * that reads only the upper misses those names: diff would not report
 * them, export would leave them out of the layer, so that applying it
 * split the file again.  Here: the check of --work and the walk that
 * finds those names. */
#ifndef UE_TOOLS_LAYERINDEX_H
#define UE_TOOLS_LAYERINDEX_H

#include "layer.h"

/* The longest entry name: the hex of UE_ORIGIN_FB_MAX bytes. */
#define LINDEX_NAME_MAX (2 * 255 + 1)

struct lindex {
	int fd;       /* WORK/index, or -1: no --work, or no index in it */
	int nent;     /* its entries (0: nothing to look for) */
	/* When every entry names its lower file by inode number (ext4's
	 * handles, FILEID_INO32_GEN), those numbers, sorted: the walk looks
	 * at a lower file only when its d_ino is one of them.  NULL: every
	 * regular file is looked at. */
	uint32_t *inos;
};

/* Open the index of the work directory `work` (NULL: none, x->fd -1),
 * checked as the launcher checks --work: an existing directory on the
 * upper's filesystem, neither inside the upper nor holding it, outside
 * every lower (lowers: "A:B", or NULL).  Bad input dies: one line, 125.
 * A work directory with no index subdirectory has an empty index. */
void lindex_open(struct lindex *x, const char *work, const char *upper, const char *lowers);
void lindex_close(struct lindex *x);

/* The entry name of the lower file dfd/name (st: its lstat) in hex, when
 * the index has an entry for it: 1, and the entry's name in hex (at least
 * LINDEX_NAME_MAX + 1 bytes).  0: not a regular file with several links,
 * no handle, or no entry. */
int lindex_find(const struct lindex *x, int dfd, const char *name, const struct stat *st, char *hex);

/* A name of the lowers that the union shows as an index entry. */
struct lindex_name {
	const char *path;    /* in the union, no leading "/" */
	int ldfd;            /* the lower directory holding it */
	const char *lraw;    /* its name there */
	const char *hex;     /* the entry: x->fd / hex */
};
typedef void (*lindex_cb)(void *ctx, const struct lindex_name *n);

/* Every name the union over the upper ufd and the lowers shows through
 * the index while the upper has no entry at it (not copied up, not
 * whited out, not below an opaque directory): depth first, names sorted.
 * The lowers are walked whole, one fstatat per regular file, so only when
 * the index has entries.  Returns how many it found. */
size_t lindex_lower_names(const struct lindex *x, int ufd, const struct mdir *lowers, lindex_cb cb, void *ctx);

#endif
