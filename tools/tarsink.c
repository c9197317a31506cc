/* The compressing sink under the tar writer (tar.h): bytes in, a plain,
 * gzip (zlib) or zstd (libzstd) stream out to an fd. */
#include "tar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef UE_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef UE_HAVE_ZSTD
#include <zstd.h>
#endif

#define OBUF (1 << 20)

struct sink {
	int fd, z;
	unsigned char *buf, *zbuf;
	size_t len;
#ifdef UE_HAVE_ZLIB
	z_stream zs;
#endif
#ifdef UE_HAVE_ZSTD
	ZSTD_CCtx *zc;
#endif
};

static void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			ue_die("write error: %s", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

struct sink *sink_open(int fd, int z)
{
	struct sink *s = xcalloc(1, sizeof *s);
	s->fd = fd;
	s->z = z;
	s->buf = xmalloc(OBUF);
	if (z == Z_GZIP) {
#ifdef UE_HAVE_ZLIB
		s->zbuf = xmalloc(OBUF);
		/* 31: gzip wrapper; zlib writes mtime 0 and a fixed OS byte, so
		 * the output is reproducible. */
		if (deflateInit2(&s->zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			ue_die("gzip: cannot start the compressor");
#else
		ue_die("--gzip: built without zlib");
#endif
	} else if (z == Z_ZSTD) {
#ifdef UE_HAVE_ZSTD
		s->zbuf = xmalloc(OBUF);
		s->zc = ZSTD_createCCtx();
		if (!s->zc)
			ue_die("zstd: cannot start the compressor");
		ZSTD_CCtx_setParameter(s->zc, ZSTD_c_compressionLevel, 3);
		ZSTD_CCtx_setParameter(s->zc, ZSTD_c_checksumFlag, 1);
#else
		ue_die("--zstd: built without libzstd");
#endif
	}
	return s;
}

static void sink_flush(struct sink *s, int finish)
{
	if (s->z == Z_NONE) {
		write_all(s->fd, s->buf, s->len);
		s->len = 0;
		return;
	}
#ifdef UE_HAVE_ZLIB
	if (s->z == Z_GZIP) {
		s->zs.next_in = s->buf;
		s->zs.avail_in = (uInt)s->len;
		int r;
		do {
			s->zs.next_out = s->zbuf;
			s->zs.avail_out = OBUF;
			r = deflate(&s->zs, finish ? Z_FINISH : Z_NO_FLUSH);
			if (r == Z_STREAM_ERROR)
				ue_die("gzip: compression failed");
			write_all(s->fd, s->zbuf, OBUF - s->zs.avail_out);
		} while (s->zs.avail_out == 0 || (finish && r != Z_STREAM_END));
		s->len = 0;
		return;
	}
#endif
#ifdef UE_HAVE_ZSTD
	if (s->z == Z_ZSTD) {
		ZSTD_inBuffer in = { s->buf, s->len, 0 };
		for (;;) {
			ZSTD_outBuffer out = { s->zbuf, OBUF, 0 };
			size_t r = ZSTD_compressStream2(s->zc, &out, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
			if (ZSTD_isError(r))
				ue_die("zstd: %s", ZSTD_getErrorName(r));
			write_all(s->fd, s->zbuf, out.pos);
			if (finish ? r == 0 : in.pos == in.size)
				break;
		}
		s->len = 0;
		return;
	}
#endif
}

void sink_write(struct sink *s, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		size_t k = OBUF - s->len;
		if (k > n)
			k = n;
		memcpy(s->buf + s->len, p, k);
		s->len += k;
		p += k;
		n -= k;
		if (s->len == OBUF)
			sink_flush(s, 0);
	}
}

void sink_close(struct sink *s)
{
	sink_flush(s, 1);
#ifdef UE_HAVE_ZLIB
	if (s->z == Z_GZIP)
		deflateEnd(&s->zs);
#endif
#ifdef UE_HAVE_ZSTD
	if (s->z == Z_ZSTD)
		ZSTD_freeCCtx(s->zc);
#endif
	free(s->buf);
	free(s->zbuf);
	free(s);
}
