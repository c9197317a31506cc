/* The tar writer (tar.h): ustar headers, with a PAX extended header
 * before them for what ustar cannot hold (long names and link names, big
 * numbers, SCHILY.xattr.* records), into a sink (tarsink.c). */
#include "tar.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += (unsigned char)b[i];
	snprintf(b + 148, 8, "%06o", sum);
	b[155] = ' ';
	sink_write(s, b, TAR_BLOCK);
}

void tar_put_header(struct sink *s, const struct tar_hdr *h)
{
	char b[TAR_BLOCK];
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
		char xb[TAR_BLOCK];
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
	static const char zero[TAR_BLOCK];
	if (size % TAR_BLOCK)
		sink_write(s, zero, TAR_BLOCK - size % TAR_BLOCK);
}

void tar_put_end(struct sink *s)
{
	static const char zero[2 * TAR_BLOCK];
	sink_write(s, zero, sizeof zero);
}
