/* oprun: the result of one operation (oprun.h). */
#include "oprun.h"

struct buf res;


void ok(void) { bput(&res, "ok", 2); }

void show_bytes(const unsigned char *p, size_t n)
{
    if (n <= 64) {
        bprintf(&res, "ok %zu:\"", n);
        for (size_t i = 0; i < n; i++) {
            if (p[i] >= ' ' && p[i] < 127 && p[i] != '"' && p[i] != '\\')
                bput(&res, (const char *)&p[i], 1);
            else
                bprintf(&res, "\\x%02x", p[i]);
        }
        bput(&res, "\"", 1);
    } else {
        bprintf(&res, "ok %zu:%016" PRIx64, n, fnv1a(FNV0, p, n));
    }
}

int read_all(int fd, unsigned char **out, size_t *len, int pread_from_0)
{
    size_t cap = 65536, n = 0;
    unsigned char *p = malloc(cap);
    for (;;) {
        if (n == cap)
            p = realloc(p, cap *= 2);
        ssize_t r = pread_from_0 ? pread(fd, p + n, cap - n, n) : read(fd, p + n, cap - n);
        if (r < 0) {
            int e = errno;
            free(p);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += r;
    }
    *out = p;
    *len = n;
    return 0;
}

void show_stat(const struct stat *st)
{
    struct buf b = {0};
    bprintf(&b, "ok %c %04o %u:%u %lu ", type_char(st->st_mode), (unsigned)(st->st_mode & 07777),
            (unsigned)st->st_uid, (unsigned)st->st_gid, (unsigned long)st->st_nlink);
    if (S_ISDIR(st->st_mode))
        bput(&b, "-", 1);
    else
        bprintf(&b, "%lld", (long long)st->st_size);
    bput(&b, " ", 1);
    fmt_time(&b, st->st_mtim);
    bput(&res, b.p, b.len);
    free(b.p);
}

/* st_ino labels: i1, i2, ... in order of first appearance in this run */
static ino_t inos[4096];
static int ninos;

int ino_label(ino_t i)
{
    for (int k = 0; k < ninos; k++)
        if (inos[k] == i)
            return k + 1;
    if (ninos < 4096)
        inos[ninos++] = i;
    return ninos;
}

