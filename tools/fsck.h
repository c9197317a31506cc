/* unionenv fsck: the state of a check, shared by its parts (fsck.c: the
 * upper's walk; fsckindex.c: the union's index). */
#ifndef UE_TOOLS_FSCK_H
#define UE_TOOLS_FSCK_H

#include "layer.h"
#include "layerindex.h"

struct fctx {
	int repair, form, json;
	int have_lowers;
	const struct mdir *roots;    /* the lowers at their roots: an absolute redirect starts there */
	const struct lindex *index;  /* --work's (fd -1 without) */
	size_t found, left;
	struct pbuf path;
};

/* One problem at c->path/name (name NULL: c->path itself), one line. */
void report(struct fctx *c, const char *name, int repaired, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The upper's regular file e of directory dfd against the index: a copy
 * of a lower file that has an entry must be that entry's inode. */
void fsck_index_name(struct fctx *c, int dfd, const struct lent *e);

/* The origins the directory fd (listed in d) holds for its symlinks and
 * special files (core/dirorigin.h): stale ones reported, dropped by
 * --repair (fsckorigin.c). */
void fsck_dir_origins(struct fctx *c, int fd, const struct ldir *d);

/* The entries of the index, named WORK/index/HEX (work as given), checked
 * as the kernel checks them when it mounts with index=on; low: the lowers
 * at their roots (NULL: not given), ufd the upper. */
void fsck_index(struct fctx *c, const char *work, int ufd, const struct mdir *low);

#endif
