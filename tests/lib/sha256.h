/* sha256.h - SHA-256 of a stream, as lowercase hex. */
#ifndef TESTS_SHA256_H
#define TESTS_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_add(struct sha256 *s, const void *data, size_t n);
/* Ends the stream: s is spent. */
void sha256_hex(struct sha256 *s, char out[65]);

#endif
