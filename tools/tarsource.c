/* The tar reader's source (tarsource.h): reads the archive's fd, knows its
 * compression by the magic number and undoes it; tarr_open, tarr_close. */
#include "tarsource.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fill_in(struct tarr *t, const char **err)
{
	if (t->in_pos < t->in_len || t->in_eof)
		return 0;
	ssize_t r;
	do
		r = read(t->fd, t->in, TAR_BUF);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		*err = strerror(errno);
		return -1;
	}
	t->in_pos = 0;
	t->in_len = (size_t)r;
	if (r == 0)
		t->in_eof = 1;
	return 0;
}

/* Make decompressed bytes available in out; 0 with out empty at the end. */
static int fill_out(struct tarr *t, const char **err)
{
	if (t->out_pos < t->out_len)
		return 0;
	t->out_pos = t->out_len = 0;
	for (;;) {
		if (fill_in(t, err) < 0)
			return -1;
		if (t->z == Z_NONE) {
			if (t->in_pos == t->in_len)
				return 0;
			/* hand the input buffer over */
			unsigned char *tmp = t->out;
			t->out = t->in;
			t->in = tmp;
			t->out_len = t->in_len;
			t->in_pos = t->in_len = 0;
			return 0;
		}
#ifdef UE_HAVE_ZLIB
		if (t->z == Z_GZIP) {
			if (t->in_pos == t->in_len) {
				if (!t->z_end) {
					*err = "truncated gzip stream";
					return -1;
				}
				return 0;
			}
			if (t->z_end) {
				/* another gzip member follows */
				inflateReset(&t->zs);
				t->z_end = 0;
			}
			t->zs.next_in = t->in + t->in_pos;
			t->zs.avail_in = (uInt)(t->in_len - t->in_pos);
			t->zs.next_out = t->out;
			t->zs.avail_out = TAR_BUF;
			int r = inflate(&t->zs, Z_NO_FLUSH);
			if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
				*err = "corrupt gzip stream";
				return -1;
			}
			if (r == Z_STREAM_END)
				t->z_end = 1;
			t->in_pos = t->in_len - t->zs.avail_in;
			t->out_len = TAR_BUF - t->zs.avail_out;
			if (t->out_len)
				return 0;
			continue;
		}
#endif
#ifdef UE_HAVE_ZSTD
		if (t->z == Z_ZSTD) {
			if (t->in_pos == t->in_len) {
				if (!t->z_end) {
					*err = "truncated zstd stream";
					return -1;
				}
				return 0;
			}
			ZSTD_inBuffer in = { t->in, t->in_len, t->in_pos };
			ZSTD_outBuffer out = { t->out, TAR_BUF, 0 };
			size_t r = ZSTD_decompressStream(t->zd, &out, &in);
			if (ZSTD_isError(r)) {
				*err = "corrupt zstd stream";
				return -1;
			}
			t->z_end = (r == 0);
			t->in_pos = in.pos;
			t->out_len = out.pos;
			if (t->out_len)
				return 0;
			continue;
		}
#endif
		*err = "unsupported compression";
		return -1;
	}
}

/* Exactly n bytes; 0 ok, 1 clean end before any byte, -1 error. */
int tarr_get(struct tarr *t, void *buf, size_t n, const char **err)
{
	unsigned char *p = buf;
	size_t got = 0;
	while (got < n) {
		if (fill_out(t, err) < 0)
			return -1;
		if (t->out_pos == t->out_len) {
			if (got == 0)
				return 1;
			*err = "unexpected end of archive";
			return -1;
		}
		size_t k = t->out_len - t->out_pos;
		if (k > n - got)
			k = n - got;
		if (p)
			memcpy(p + got, t->out + t->out_pos, k);
		t->out_pos += k;
		got += k;
	}
	t->offset += n;
	return 0;
}

int tarr_skip(struct tarr *t, uint64_t n, const char **err)
{
	while (n > 0) {
		size_t k = n > TAR_BUF ? TAR_BUF : (size_t)n;
		int r = tarr_get(t, NULL, k, err);
		if (r) {
			if (r > 0)
				*err = "unexpected end of archive";
			return -1;
		}
		n -= k;
	}
	return 0;
}

struct tarr *tarr_open(int fd, const char **err)
{
	struct tarr *t = xcalloc(1, sizeof *t);
	t->fd = fd;
	t->in = xmalloc(TAR_BUF);
	t->out = xmalloc(TAR_BUF);
	if (fill_in(t, err) < 0) {
		tarr_close(t);
		return NULL;
	}
	/* Fill the first buffer enough to see a magic number. */
	while (!t->in_eof && t->in_len < 6) {
		ssize_t r = read(fd, t->in + t->in_len, TAR_BUF - t->in_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				*err = strerror(errno);
				tarr_close(t);
				return NULL;
			}
			t->in_eof = 1;
			break;
		}
		t->in_len += (size_t)r;
	}
	const unsigned char *m = t->in;
	size_t n = t->in_len;
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
#ifdef UE_HAVE_ZLIB
		t->z = Z_GZIP;
		if (inflateInit2(&t->zs, 15 + 32) != Z_OK) {
			*err = "cannot start the gzip decompressor";
			tarr_close(t);
			return NULL;
		}
#else
		*err = "gzip-compressed, and built without zlib";
		tarr_close(t);
		return NULL;
#endif
	} else if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
#ifdef UE_HAVE_ZSTD
		t->z = Z_ZSTD;
		t->zd = ZSTD_createDCtx();
#else
		*err = "zstd-compressed, and built without libzstd";
		tarr_close(t);
		return NULL;
#endif
	} else if (n >= 3 && !memcmp(m, "BZh", 3)) {
		*err = "bzip2-compressed: not supported (decompress it first)";
		tarr_close(t);
		return NULL;
	} else if (n >= 6 && !memcmp(m, "\xfd" "7zXZ\0", 6)) {
		*err = "xz-compressed: not supported (decompress it first)";
		tarr_close(t);
		return NULL;
	}
	return t;
}

int tarr_compression(const struct tarr *t)
{
	return t->z;
}

void tarr_close(struct tarr *t)
{
	if (!t)
		return;
#ifdef UE_HAVE_ZLIB
	if (t->z == Z_GZIP)
		inflateEnd(&t->zs);
#endif
#ifdef UE_HAVE_ZSTD
	if (t->zd)
		ZSTD_freeDCtx(t->zd);
#endif
	free(t->in);
	free(t->out);
	free(t);
}
