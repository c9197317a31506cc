#include "tar.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef UE_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef UE_HAVE_ZSTD
#include <zstd.h>
#endif

#define BLK 512
#define OBUF (1 << 20)

/* ---- sink ----------------------------------------------------------------- */

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

/* ---- writer --------------------------------------------------------------- */

struct pax {
	char *s;
	size_t len, cap;
};

static void pax_add(struct pax *p, const char *key, const char *val, size_t vlen)
{
	size_t base = strlen(key) + vlen + 3, n = base, digits;
	for (;;) {   /* the length counts its own digits */
		char tmp[32];
		digits = (size_t)snprintf(tmp, sizeof tmp, "%zu", n);
		if (base + digits == n)
			break;
		n = base + digits;
	}
	if (p->len + n + 1 > p->cap) {
		p->cap = (p->len + n + 1) * 2;
		p->s = xrealloc(p->s, p->cap);
	}
	int k = snprintf(p->s + p->len, p->cap - p->len, "%zu %s=", n, key);
	p->len += (size_t)k;
	memcpy(p->s + p->len, val, vlen);
	p->len += vlen;
	p->s[p->len++] = '\n';
}

static void pax_num(struct pax *p, const char *key, long long v)
{
	char b[32];
	snprintf(b, sizeof b, "%lld", v);
	pax_add(p, key, b, strlen(b));
}

/* Octal into a field of w bytes (w-1 digits and a NUL); 0 if it fits. */
static int octal(char *f, size_t w, uint64_t v)
{
	if (w - 1 < 22 && v >> (3 * (w - 1)))
		return -1;
	snprintf(f, w, "%0*" PRIo64, (int)(w - 1), v);
	return 0;
}

static void put_block(struct sink *s, char *b, char type, uint64_t size)
{
	memcpy(b + 257, "ustar", 6);
	memcpy(b + 263, "00", 2);
	b[156] = type;
	octal(b + 124, 12, size);
	unsigned sum = 0;
	memset(b + 148, ' ', 8);
	for (int i = 0; i < BLK; i++)
		sum += (unsigned char)b[i];
	snprintf(b + 148, 8, "%06o", sum);
	b[155] = ' ';
	sink_write(s, b, BLK);
}

void tar_put_header(struct sink *s, const struct tar_hdr *h)
{
	char b[BLK];
	struct pax px = { 0 };
	memset(b, 0, sizeof b);

	size_t nl = strlen(h->name);
	char *name = xmalloc(nl + 2);
	memcpy(name, h->name, nl + 1);
	if (h->type == '5' && (nl == 0 || name[nl - 1] != '/')) {
		name[nl++] = '/';
		name[nl] = 0;
	}
	if (nl <= 100) {
		memcpy(b, name, nl);
	} else {
		/* ustar split: prefix (<= 155) "/" name (<= 100) */
		size_t cut = 0;
		for (size_t i = nl - 1; i > 0; i--) {
			if (name[i] != '/' || i == nl - 1)
				continue;
			if (nl - i - 1 > 100)
				break;
			if (i <= 155) {
				cut = i;
				break;
			}
		}
		if (cut) {
			memcpy(b + 345, name, cut);
			memcpy(b, name + cut + 1, nl - cut - 1);
		} else {
			pax_add(&px, "path", name, nl);
			memcpy(b, name, 100);
		}
	}
	if (octal(b + 100, 8, h->mode & 07777))
		ue_die("%s: bad mode", h->name);
	if (octal(b + 108, 8, h->uid)) {
		pax_num(&px, "uid", (long long)h->uid);
		octal(b + 108, 8, 0);
	}
	if (octal(b + 116, 8, h->gid)) {
		pax_num(&px, "gid", (long long)h->gid);
		octal(b + 116, 8, 0);
	}
	uint64_t size = (h->type == '0') ? h->size : 0;
	if (octal(b + 124, 12, size)) {
		pax_num(&px, "size", (long long)size);
		size = 0;   /* the field says 0; PAX says the truth */
	}
	if (h->mtime < 0 || octal(b + 136, 12, (uint64_t)h->mtime)) {
		pax_num(&px, "mtime", (long long)h->mtime);
		octal(b + 136, 12, 0);
	}
	if (h->linkname) {
		size_t ll = strlen(h->linkname);
		if (ll <= 100)
			memcpy(b + 157, h->linkname, ll);
		else {
			pax_add(&px, "linkpath", h->linkname, ll);
			memcpy(b + 157, h->linkname, 100);
		}
	}
	if (h->type == '3' || h->type == '4') {
		if (octal(b + 329, 8, h->devmajor) || octal(b + 337, 8, h->devminor))
			ue_die("%s: device number too big for tar", h->name);
	}
	if (h->x) {
		for (size_t i = 0; i < h->x->n; i++) {
			char *k = xmalloc(strlen(h->x->v[i].name) + 14);
			strcpy(k, "SCHILY.xattr.");
			strcat(k, h->x->v[i].name);
			pax_add(&px, k, h->x->v[i].value, h->x->v[i].len);
			free(k);
		}
	}
	if (px.len) {
		/* The extended header: a fixed name keeps the output reproducible. */
		char xb[BLK];
		memset(xb, 0, sizeof xb);
		const char *base = strrchr(h->name, '/');
		base = base ? base + 1 : h->name;
		snprintf(xb, 100, "PaxHeaders/%.88s", base);
		octal(xb + 100, 8, 0644);
		octal(xb + 108, 8, 0);
		octal(xb + 116, 8, 0);
		if (h->mtime < 0 || octal(xb + 136, 12, (uint64_t)h->mtime))
			octal(xb + 136, 12, 0);
		put_block(s, xb, 'x', px.len);
		sink_write(s, px.s, px.len);
		tar_put_pad(s, px.len);
		free(px.s);
	}
	put_block(s, b, h->type, size);
	free(name);
}

void tar_put_pad(struct sink *s, uint64_t size)
{
	static const char zero[BLK];
	if (size % BLK)
		sink_write(s, zero, BLK - size % BLK);
}

void tar_put_end(struct sink *s)
{
	static const char zero[2 * BLK];
	sink_write(s, zero, sizeof zero);
}

/* ---- source --------------------------------------------------------------- */

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

static int fill_in(struct tarr *t, const char **err)
{
	if (t->in_pos < t->in_len || t->in_eof)
		return 0;
	ssize_t r;
	do
		r = read(t->fd, t->in, OBUF);
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
			t->zs.avail_out = OBUF;
			int r = inflate(&t->zs, Z_NO_FLUSH);
			if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
				*err = "corrupt gzip stream";
				return -1;
			}
			if (r == Z_STREAM_END)
				t->z_end = 1;
			t->in_pos = t->in_len - t->zs.avail_in;
			t->out_len = OBUF - t->zs.avail_out;
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
			ZSTD_outBuffer out = { t->out, OBUF, 0 };
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
static int get(struct tarr *t, void *buf, size_t n, const char **err)
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

static int skip(struct tarr *t, uint64_t n, const char **err)
{
	while (n > 0) {
		size_t k = n > OBUF ? OBUF : (size_t)n;
		int r = get(t, NULL, k, err);
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
	t->in = xmalloc(OBUF);
	t->out = xmalloc(OBUF);
	if (fill_in(t, err) < 0) {
		tarr_close(t);
		return NULL;
	}
	/* Fill the first buffer enough to see a magic number. */
	while (!t->in_eof && t->in_len < 6) {
		ssize_t r = read(fd, t->in + t->in_len, OBUF - t->in_len);
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

/* ---- reader --------------------------------------------------------------- */

static int parse_num(const char *f, size_t w, uint64_t *v)
{
	const unsigned char *p = (const unsigned char *)f;
	if (p[0] & 0x80) {   /* GNU base-256 */
		if (p[0] == 0xff)
			return -1;   /* negative: not for sizes and ids */
		uint64_t x = p[0] & 0x7f;
		for (size_t i = 1; i < w; i++) {
			if (x >> 56)
				return -1;
			x = (x << 8) | p[i];
		}
		*v = x;
		return 0;
	}
	size_t i = 0;
	while (i < w && (p[i] == ' ' || p[i] == 0))
		i++;
	uint64_t x = 0;
	int any = 0;
	for (; i < w && p[i] >= '0' && p[i] <= '7'; i++) {
		if (x >> 61)
			return -1;
		x = x * 8 + (p[i] - '0');
		any = 1;
	}
	for (; i < w; i++)
		if (p[i] != ' ' && p[i] != 0)
			return -1;
	(void)any;
	*v = x;
	return 0;
}

static int checksum_ok(const unsigned char *b)
{
	uint64_t want;
	if (parse_num((const char *)b + 148, 8, &want) < 0)
		return 0;
	unsigned long u = 0;
	long sgn = 0;
	for (int i = 0; i < BLK; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : b[i];
		u += c;
		sgn += (signed char)c;
	}
	return want == u || (long)want == sgn;
}

void tar_ent_free(struct tar_ent *e)
{
	free(e->name);
	free(e->linkname);
	xattrs_free(&e->x);
	memset(e, 0, sizeof *e);
}

static char *read_blob(struct tarr *t, uint64_t size, const char **err)
{
	if (size > (64u << 20)) {
		*err = "extended header too big";
		return NULL;
	}
	char *s = xmalloc((size_t)size + 1);
	if (get(t, s, (size_t)size, err)) {
		if (!*err)
			*err = "unexpected end of archive";
		free(s);
		return NULL;
	}
	s[size] = 0;
	if (skip(t, (BLK - size % BLK) % BLK, err) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

struct override {
	char *path, *linkpath;
	int has_size, has_uid, has_gid, has_mtime;
	uint64_t size, uid, gid;
	int64_t mtime;
	long mtime_ns;
	struct xattrs x;
};

static void override_free(struct override *o)
{
	free(o->path);
	free(o->linkpath);
	xattrs_free(&o->x);
	memset(o, 0, sizeof *o);
}

static int parse_pax(char *s, size_t len, struct override *o, const char **err)
{
	size_t pos = 0;
	while (pos < len) {
		char *end;
		errno = 0;
		unsigned long n = strtoul(s + pos, &end, 10);
		if (end == s + pos || *end != ' ' || n == 0 || pos + n > len || s[pos + n - 1] != '\n') {
			*err = "malformed PAX extended header";
			return -1;
		}
		char *key = end + 1;
		char *eq = memchr(key, '=', (size_t)(s + pos + n - 1 - key));
		if (!eq) {
			*err = "malformed PAX record";
			return -1;
		}
		*eq = 0;
		char *val = eq + 1;
		size_t vlen = (size_t)(s + pos + n - 1 - val);
		if (!strcmp(key, "path")) {
			free(o->path);
			o->path = xstrndup(val, vlen);
		} else if (!strcmp(key, "linkpath")) {
			free(o->linkpath);
			o->linkpath = xstrndup(val, vlen);
		} else if (!strcmp(key, "size") || !strcmp(key, "uid") || !strcmp(key, "gid")) {
			char *v = xstrndup(val, vlen), *e2;
			uint64_t x = strtoull(v, &e2, 10);
			int bad = (*e2 != 0 || !*v);
			free(v);
			if (bad) {
				*err = "bad number in PAX header";
				return -1;
			}
			if (key[0] == 's') { o->size = x; o->has_size = 1; }
			else if (key[0] == 'u') { o->uid = x; o->has_uid = 1; }
			else { o->gid = x; o->has_gid = 1; }
		} else if (!strcmp(key, "mtime")) {
			char *v = xstrndup(val, vlen), *e2;
			o->mtime = strtoll(v, &e2, 10);
			o->mtime_ns = 0;
			if (*e2 == '.') {
				long ns = 0;
				int d = 0;
				for (e2++; *e2 >= '0' && *e2 <= '9'; e2++, d++)
					if (d < 9)
						ns = ns * 10 + (*e2 - '0');
				for (; d < 9; d++)
					ns *= 10;
				o->mtime_ns = o->mtime < 0 ? -ns : ns;
			}
			o->has_mtime = 1;
			free(v);
		} else if (!strncmp(key, "SCHILY.xattr.", 13) && key[13]) {
			o->x.v = xrealloc(o->x.v, (o->x.n + 1) * sizeof *o->x.v);
			o->x.v[o->x.n].name = xstrdup(key + 13);
			o->x.v[o->x.n].value = xstrndup(val, vlen);
			o->x.v[o->x.n].len = vlen;
			o->x.n++;
		} else if (!strncmp(key, "GNU.sparse.", 11)) {
			*err = "GNU sparse files are not supported";
			return -1;
		}
		pos += n;
	}
	return 0;
}

int tarr_next(struct tarr *t, struct tar_ent *e, const char **err)
{
	unsigned char b[BLK];
	struct override o = { 0 };
	*err = NULL;
	memset(e, 0, sizeof *e);
	if (skip(t, t->left + t->pad, err) < 0)
		return -1;
	t->left = t->pad = 0;
	for (;;) {
		uint64_t at = t->offset;
		int r = get(t, b, BLK, err);
		if (r < 0) {
			if (!t->seen_entry)
				*err = "not a tar archive (too short)";
			goto fail;
		}
		if (r > 0) {
			if (!t->seen_entry) {
				*err = at ? "not a tar archive" : "not a tar archive (empty)";
				goto fail;
			}
			break;   /* end without the zero blocks: accepted, as GNU tar does */
		}
		int zero = 1;
		for (int i = 0; i < BLK && zero; i++)
			zero = !b[i];
		if (zero) {
			if (!t->seen_entry) {
				*err = "not a tar archive (starts with a zero block)";
				goto fail;
			}
			break;
		}
		if (!checksum_ok(b)) {
			*err = t->seen_entry ? "corrupt tar header (bad checksum)" : "not a tar archive";
			goto fail;
		}
		t->seen_entry = 1;
		uint64_t size, v;
		if (parse_num((char *)b + 124, 12, &size) < 0) {
			*err = "corrupt tar header (size)";
			goto fail;
		}
		char type = (char)b[156];
		if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
			char *blob = read_blob(t, size, err);
			if (!blob)
				goto fail;
			if (type == 'x') {
				if (parse_pax(blob, (size_t)size, &o, err) < 0) {
					free(blob);
					goto fail;
				}
			} else if (type == 'L') {
				free(o.path);
				o.path = xstrdup(blob);
			} else if (type == 'K') {
				free(o.linkpath);
				o.linkpath = xstrdup(blob);
			}
			/* 'g': global records; nothing of ours depends on them. */
			free(blob);
			continue;
		}
		e->offset = at;
		if (o.path) {
			e->name = o.path;
			o.path = NULL;
		} else {
			char nm[256 + 2];
			size_t pl = strnlen((char *)b + 345, 155);
			size_t nl = strnlen((char *)b, 100);
			if (!memcmp(b + 257, "ustar\0", 6) && pl) {
				memcpy(nm, b + 345, pl);
				nm[pl] = '/';
				memcpy(nm + pl + 1, b, nl);
				nm[pl + 1 + nl] = 0;
			} else {
				memcpy(nm, b, nl);
				nm[nl] = 0;
			}
			e->name = xstrdup(nm);
		}
		if (o.linkpath) {
			e->linkname = o.linkpath;
			o.linkpath = NULL;
		} else {
			e->linkname = xstrndup((char *)b + 157, strnlen((char *)b + 157, 100));
		}
		if (parse_num((char *)b + 100, 8, &v) < 0) {
			*err = "corrupt tar header (mode)";
			goto fail;
		}
		e->mode = (unsigned)v & 07777;
		if (parse_num((char *)b + 108, 8, &e->uid) < 0 || parse_num((char *)b + 116, 8, &e->gid) < 0) {
			*err = "corrupt tar header (owner)";
			goto fail;
		}
		if (parse_num((char *)b + 136, 12, &v) < 0)
			v = 0;
		e->mtime = (int64_t)v;
		uint64_t ma = 0, mi = 0;
		parse_num((char *)b + 329, 8, &ma);
		parse_num((char *)b + 337, 8, &mi);
		e->devmajor = (unsigned)ma;
		e->devminor = (unsigned)mi;
		if (o.has_size) size = o.size;
		if (o.has_uid) e->uid = o.uid;
		if (o.has_gid) e->gid = o.gid;
		if (o.has_mtime) { e->mtime = o.mtime; e->mtime_ns = o.mtime_ns; }
		e->x = o.x;
		o.x.v = NULL;
		o.x.n = 0;
		switch (type) {
		case '0': case '\0': case '7':
			e->type = '0';
			break;
		case '1': case '2': case '3': case '4': case '6':
			e->type = type;
			size = type == '1' || type == '2' ? 0 : size;   /* no data */
			break;
		case '5':
			e->type = '5';
			break;
		case 'S':
			*err = "GNU sparse files are not supported";
			goto fail;
		case 'V':   /* volume label */
			if (skip(t, size + (BLK - size % BLK) % BLK, err) < 0)
				goto fail;
			tar_ent_free(e);
			continue;
		default:
			*err = "unsupported entry type";
			goto fail;
		}
		if (e->type == '5' || e->type == '3' || e->type == '4' || e->type == '6') {
			/* Data of these types, if any, is skipped. */
			t->left = 0;
			t->pad = size + (BLK - size % BLK) % BLK;
			size = 0;
		} else {
			t->left = size;
			t->pad = (BLK - size % BLK) % BLK;
		}
		e->size = size;
		override_free(&o);
		return 1;
	}
	override_free(&o);
	return 0;
fail:
	override_free(&o);
	tar_ent_free(e);
	return -1;
}

long tarr_read(struct tarr *t, void *buf, size_t n, const char **err)
{
	if (t->left == 0)
		return 0;
	if (n > t->left)
		n = (size_t)t->left;
	if (n > OBUF)
		n = OBUF;
	int r = get(t, buf, n, err);
	if (r) {
		if (r > 0)
			*err = "unexpected end of archive";
		return -1;
	}
	t->left -= n;
	return (long)n;
}
