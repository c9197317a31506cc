/* A small tar writer and reader: POSIX ustar with PAX extended headers
 * (long names and link names, big numbers, SCHILY.xattr.* records), the
 * GNU long-name forms and base-256 numbers on reading; gzip (zlib) and
 * zstd (libzstd) streams when built with them.  Enough for OCI image
 * layers; no libarchive. */
#ifndef UE_TOOLS_TAR_H
#define UE_TOOLS_TAR_H

#include "layer.h"

#include <stdint.h>

enum { Z_NONE, Z_GZIP, Z_ZSTD };

#define TAR_BLOCK 512   /* headers and data padding come in blocks of it */

/* ---- writing -------------------------------------------------------------- */

struct sink;
/* Compress (or not) into fd; every sink_* call dies on a write error. */
struct sink *sink_open(int fd, int z);
void sink_write(struct sink *s, const void *buf, size_t n);
void sink_close(struct sink *s);    /* flush, finish the stream; not the fd */

struct tar_hdr {
	const char *name;       /* no trailing "/" (added for directories) */
	char type;              /* '0' '1' '2' '3' '4' '5' '6' */
	unsigned mode;          /* permission bits (07777) */
	uint64_t uid, gid, size;
	int64_t mtime;
	const char *linkname;   /* hard and symbolic links */
	unsigned devmajor, devminor;
	const struct xattrs *x; /* as SCHILY.xattr.NAME records, or NULL */
};
void tar_put_header(struct sink *s, const struct tar_hdr *h);
/* After the size bytes of data: pad to the block. */
void tar_put_pad(struct sink *s, uint64_t size);
void tar_put_end(struct sink *s);   /* the two zero blocks */

/* ---- reading -------------------------------------------------------------- */

struct tar_ent {
	char *name;             /* as in the archive, "/"s kept */
	char *linkname;
	char type;              /* normalised: '0' regular, '1'..'6' */
	unsigned mode;
	uint64_t uid, gid, size;
	int64_t mtime;
	long mtime_ns;
	unsigned devmajor, devminor;
	struct xattrs x;
	uint64_t offset;        /* of the header, in the uncompressed stream */
};

struct tarr;
/* Read from fd, compression recognised by its magic.  Returns NULL and a
 * message in *err (static) when the stream cannot be read at all. */
struct tarr *tarr_open(int fd, const char **err);
/* 1: an entry in e; 0: end of archive; -1: error, message in *err. */
int tarr_next(struct tarr *t, struct tar_ent *e, const char **err);
/* Read up to n bytes of the current entry's data: bytes, 0 at its end,
 * -1 on error (message in *err). */
long tarr_read(struct tarr *t, void *buf, size_t n, const char **err);
void tar_ent_free(struct tar_ent *e);
void tarr_close(struct tarr *t);    /* not the fd */
/* Which compression the stream had. */
int tarr_compression(const struct tarr *t);

#endif
