/* The tar reader (tar.h): ustar, PAX extended headers, the GNU long-name
 * forms and base-256 numbers, parsed from the source (tarsource.c) into
 * struct tar_ent; then the entry's data. */
#include "tarsource.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	for (int i = 0; i < TAR_BLOCK; i++) {
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
	if (tarr_get(t, s, (size_t)size, err)) {
		if (!*err)
			*err = "unexpected end of archive";
		free(s);
		return NULL;
	}
	s[size] = 0;
	if (tarr_skip(t, (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK, err) < 0) {
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
	unsigned char b[TAR_BLOCK];
	struct override o = { 0 };
	*err = NULL;
	memset(e, 0, sizeof *e);
	if (tarr_skip(t, t->left + t->pad, err) < 0)
		return -1;
	t->left = t->pad = 0;
	for (;;) {
		uint64_t at = t->offset;
		int r = tarr_get(t, b, TAR_BLOCK, err);
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
		for (int i = 0; i < TAR_BLOCK && zero; i++)
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
			if (tarr_skip(t, size + (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK, err) < 0)
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
			t->pad = size + (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
			size = 0;
		} else {
			t->left = size;
			t->pad = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
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
	if (n > TAR_BUF)
		n = TAR_BUF;
	int r = tarr_get(t, buf, n, err);
	if (r) {
		if (r > 0)
			*err = "unexpected end of archive";
		return -1;
	}
	t->left -= n;
	return (long)n;
}
