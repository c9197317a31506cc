/* The decompressing byte source under the tar reader: tarsource.c reads
 * the fd and undoes the compression it recognised; tarread.c parses the
 * headers from it.  Private to the two. */
#ifndef UE_TOOLS_TARSOURCE_H
#define UE_TOOLS_TARSOURCE_H

#include "tar.h"

#include <stdint.h>
#ifdef UE_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef UE_HAVE_ZSTD
#include <zstd.h>
#endif

#define TAR_BUF (1 << 20)

struct tarr {
	int fd, z;
	unsigned char *in;       /* raw input buffer */
	size_t in_pos, in_len;
	int in_eof;
	unsigned char *out;      /* decompressed, not yet consumed */
	size_t out_pos, out_len;
	int z_end;
#ifdef UE_HAVE_ZLIB
	z_stream zs;
#endif
#ifdef UE_HAVE_ZSTD
	ZSTD_DCtx *zd;
#endif
	uint64_t offset;         /* uncompressed bytes consumed */
	uint64_t left;           /* data bytes left in the current entry */
	uint64_t pad;            /* padding after them */
	int seen_entry;
};

/* Exactly n bytes (buf NULL: dropped); 0 ok, 1 clean end before any byte,
 * -1 error (message in *err). */
int tarr_get(struct tarr *t, void *buf, size_t n, const char **err);
/* Drop n bytes; 0 or -1 (an early end is an error). */
int tarr_skip(struct tarr *t, uint64_t n, const char **err);

#endif
