/* oprun: errors, growing strings, paths below ROOT (oprun.h). */
#include "oprun.h"

/* ---- small helpers -------------------------------------------------------- */

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("oprun: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

const char *errname(int e)
{
    const char *n = strerrorname_np(e);
    static char buf[32];
    if (n)
        return n;
    snprintf(buf, sizeof buf, "E%d", e);
    return buf;
}


void bput(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2 + 256;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            die("out of memory");
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

void bprintf(struct buf *b, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof tmp) {
        char *big = malloc(n + 1);
        va_start(ap, fmt);
        vsnprintf(big, n + 1, fmt, ap);
        va_end(ap);
        bput(b, big, n);
        free(big);
    } else {
        bput(b, tmp, n);
    }
}

/* Bytes as text: printable ASCII as is (minus \ , = and space), else \xHH. */
void bescape(struct buf *b, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] > ' ' && s[i] < 127 && s[i] != '\\' && s[i] != ',' && s[i] != '=' && s[i] != '"')
            bput(b, (const char *)&s[i], 1);
        else
            bprintf(b, "\\x%02x", s[i]);
    }
}

uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

char *full(const char *rel)
{
    static char bufs[4][PATH_MAX * 2];
    static int k;
    char *b = bufs[k++ & 3];
    if (rel[0] == 0 || strcmp(rel, ".") == 0)
        snprintf(b, PATH_MAX * 2, "%s", root);
    else
        snprintf(b, PATH_MAX * 2, "%s/%s", root, rel);
    return b;
}
