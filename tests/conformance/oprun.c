/* oprun - run a conformance scenario's file operations with plain libc calls,
 * and list a directory tree in a form that two unions can be compared by.
 *
 *   oprun run [-x] [-t TRACE] ROOT   operations on stdin, one per line;
 *                                    prints one result per operation
 *   oprun setup ROOT                 operations on stdin, into a plain
 *                                    directory (a layer); stops at the first
 *                                    failure (-k: goes on); then sets every
 *                                    time above 1500000000 to T0 (1000000000)
 *   oprun list [-u] ROOT             the listing of ROOT (see below); -u: a
 *                                    raw layer: overlay markers kept, link
 *                                    count replaced by link groups
 *
 * -x: a rename that fails with EXDEV is redone as mv(1) does it (copy the
 *     tree with its metadata, remove the source) and reported as
 *     "EXDEV->RESULT": the kernel's overlayfs refuses to rename a lower
 *     directory in userxattr mode, POSIX says it works.
 * -t: after every operation, append "## N" and the listing of ROOT to TRACE.
 *
 * The same program runs under unionenv (the preload wraps its libc calls)
 * and on a kernel overlayfs mount; the runner (tests/conformance/run)
 * compares what it prints.  The operation language is in README.md.
 *
 * Listing: one line per entry, sorted by path (bytewise), tab-separated:
 *   path type mode uid:gid nlink size mtime content xattrs flags
 * type: f d l c b p s; mode: octal permission bits; size "-" for a
 * directory; mtime: seconds[.ns] when below 1500000000 (set by the scenario
 * or kept from a layer), else "new"; content: FNV-1a 64 of a regular file,
 * "->TARGET" for a symlink, "dev:MAJ,MIN" for a device, "-" otherwise;
 * xattrs: "name=value" joined by ",", sorted, non-printable bytes as \xHH;
 * flags: "=PATH" when another entry is the same inode (PATH: the first such
 * entry), "dtype!" when readdir's d_type disagrees with lstat, "dino!" when
 * readdir's d_ino disagrees with lstat's st_ino.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define T0 1000000000L
#define NEW_AFTER 1500000000L
#define MAXTOK 16
#define MAXLINE 65536

static char root[PATH_MAX];
static int opt_exdev, opt_keep_going, opt_raw;
static const char *trace_path;

/* ---- small helpers -------------------------------------------------------- */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("oprun: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static const char *errname(int e)
{
    const char *n = strerrorname_np(e);
    static char buf[32];
    if (n)
        return n;
    snprintf(buf, sizeof buf, "E%d", e);
    return buf;
}

/* A growing string. */
struct buf {
    char *p;
    size_t len, cap;
};

static void bput(struct buf *b, const char *s, size_t n)
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

static void bprintf(struct buf *b, const char *fmt, ...)
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
static void bescape(struct buf *b, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] > ' ' && s[i] < 127 && s[i] != '\\' && s[i] != ',' && s[i] != '=' && s[i] != '"')
            bput(b, (const char *)&s[i], 1);
        else
            bprintf(b, "\\x%02x", s[i]);
    }
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV0 0xcbf29ce484222325ULL

static char *full(const char *rel)
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

/* ---- the listing ---------------------------------------------------------- */

struct entry {
    char *path;
    char *line;        /* without flags */
    dev_t dev;
    ino_t ino;
    int isdir;
    char flags[64];
};

static struct entry *ents;
static size_t nents, capents;

static char type_char(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFREG: return 'f';
    case S_IFDIR: return 'd';
    case S_IFLNK: return 'l';
    case S_IFCHR: return 'c';
    case S_IFBLK: return 'b';
    case S_IFIFO: return 'p';
    case S_IFSOCK: return 's';
    }
    return '?';
}

static char dtype_char(unsigned char t)
{
    switch (t) {
    case DT_REG: return 'f';
    case DT_DIR: return 'd';
    case DT_LNK: return 'l';
    case DT_CHR: return 'c';
    case DT_BLK: return 'b';
    case DT_FIFO: return 'p';
    case DT_SOCK: return 's';
    }
    return '?';
}

static void fmt_time(struct buf *b, struct timespec ts)
{
    if (ts.tv_sec >= NEW_AFTER)
        bput(b, "new", 3);
    else if (ts.tv_nsec)
        bprintf(b, "%lld.%09ld", (long long)ts.tv_sec, ts.tv_nsec);
    else
        bprintf(b, "%lld", (long long)ts.tv_sec);
}

/* Overlay bookkeeping that only the kernel writes and that says nothing
 * about the view: dropped from raw (-u) listings. */
static int housekeeping_xattr(const char *name)
{
    static const char *const keep[] = {"opaque", "redirect", "metacopy", "whiteout", "whiteouts", NULL};
    const char *s;
    if (strncmp(name, "user.overlay.", 13) == 0)
        s = name + 13;
    else if (strncmp(name, "trusted.overlay.", 16) == 0)
        s = name + 16;
    else
        return 0;
    for (int i = 0; keep[i]; i++)
        if (strcmp(s, keep[i]) == 0)
            return 0;
    return 1;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void fmt_xattrs(struct buf *b, const char *p)
{
    char names[65536];
    ssize_t n = llistxattr(p, names, sizeof names);
    if (n < 0) {
        bprintf(b, "!%s", errname(errno));
        return;
    }
    char *v[1024];
    int nv = 0;
    for (char *s = names; s < names + n && nv < 1024; s += strlen(s) + 1)
        if (*s && !(opt_raw && housekeeping_xattr(s)))
            v[nv++] = s;
    if (nv == 0) {
        bput(b, "-", 1);
        return;
    }
    qsort(v, nv, sizeof v[0], cmpstr);
    for (int i = 0; i < nv; i++) {
        unsigned char val[65536];
        ssize_t m = lgetxattr(p, v[i], val, sizeof val);
        if (i)
            bput(b, ",", 1);
        bescape(b, (const unsigned char *)v[i], strlen(v[i]));
        bput(b, "=", 1);
        if (m < 0)
            bprintf(b, "!%s", errname(errno));
        else
            bescape(b, val, m);
    }
}

static void fmt_content(struct buf *b, const char *p, const struct stat *st)
{
    switch (st->st_mode & S_IFMT) {
    case S_IFREG: {
        int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            bprintf(b, "!%s", errname(errno));
            return;
        }
        uint64_t h = FNV0;
        unsigned char data[65536];
        ssize_t n;
        while ((n = read(fd, data, sizeof data)) > 0)
            h = fnv1a(h, data, n);
        int e = errno;
        close(fd);
        if (n < 0)
            bprintf(b, "!%s", errname(e));
        else
            bprintf(b, "%016" PRIx64, h);
        return;
    }
    case S_IFLNK: {
        char t[PATH_MAX + 1];
        ssize_t n = readlink(p, t, sizeof t - 1);
        if (n < 0) {
            bprintf(b, "!%s", errname(errno));
            return;
        }
        bput(b, "->", 2);
        bescape(b, (unsigned char *)t, n);
        return;
    }
    case S_IFCHR:
    case S_IFBLK:
        bprintf(b, "dev:%u,%u", major(st->st_rdev), minor(st->st_rdev));
        return;
    }
    bput(b, "-", 1);
}

static void add_entry(const char *rel, const struct dirent *de)
{
    const char *p = full(rel);
    struct stat st;
    struct buf b = {0};
    if (nents == capents) {
        capents = capents * 2 + 64;
        ents = realloc(ents, capents * sizeof *ents);
        if (!ents)
            die("out of memory");
    }
    struct entry *e = &ents[nents++];
    memset(e, 0, sizeof *e);
    e->path = strdup(rel[0] ? rel : ".");
    bescape(&b, (const unsigned char *)e->path, strlen(e->path));
    if (lstat(p, &st) < 0) {
        bprintf(&b, "\t!%s", errname(errno));
        e->line = b.p;
        return;
    }
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    e->isdir = S_ISDIR(st.st_mode);
    bprintf(&b, "\t%c\t%04o\t%u:%u\t", type_char(st.st_mode), (unsigned)(st.st_mode & 07777),
            (unsigned)st.st_uid, (unsigned)st.st_gid);
    if (opt_raw && !S_ISDIR(st.st_mode))
        bput(&b, "-", 1);
    else
        bprintf(&b, "%lu", (unsigned long)st.st_nlink);
    if (S_ISDIR(st.st_mode))
        bput(&b, "\t-\t", 3);
    else
        bprintf(&b, "\t%lld\t", (long long)st.st_size);
    fmt_time(&b, st.st_mtim);
    bput(&b, "\t", 1);
    fmt_content(&b, p, &st);
    bput(&b, "\t", 1);
    fmt_xattrs(&b, p);
    e->line = b.p;
    if (de) {
        if (de->d_type != DT_UNKNOWN && dtype_char(de->d_type) != type_char(st.st_mode))
            strcat(e->flags, " dtype!");
        if (de->d_ino != st.st_ino)
            strcat(e->flags, " dino!");
    }
}

struct dent {
    char *name;
    struct dirent de;
};

static int cmpdent(const void *a, const void *b)
{
    return strcmp(((const struct dent *)a)->name, ((const struct dent *)b)->name);
}

static void walk(const char *rel)
{
    DIR *d = opendir(full(rel));
    if (!d) {
        struct buf b = {0};
        bprintf(&b, "%s/\t!opendir %s", rel[0] ? rel : ".", errname(errno));
        if (nents == capents) {
            capents = capents * 2 + 64;
            ents = realloc(ents, capents * sizeof *ents);
        }
        memset(&ents[nents], 0, sizeof ents[0]);
        ents[nents].path = strdup(b.p);
        ents[nents++].line = b.p;
        return;
    }
    struct dent *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap * 2 + 16;
            v = realloc(v, cap * sizeof *v);
        }
        v[n].de = *de;
        v[n].name = strdup(de->d_name);
        n++;
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmpdent);
    for (size_t i = 0; i < n; i++) {
        char child[PATH_MAX];
        if (rel[0])
            snprintf(child, sizeof child, "%s/%s", rel, v[i].name);
        else
            snprintf(child, sizeof child, "%s", v[i].name);
        if (i > 0 && strcmp(v[i].name, v[i - 1].name) == 0) {
            /* A name listed twice: a merge that failed to remove duplicates. */
            struct buf b = {0};
            bprintf(&b, "%s\t!duplicate", child);
            if (nents == capents) {
                capents = capents * 2 + 64;
                ents = realloc(ents, capents * sizeof *ents);
            }
            memset(&ents[nents], 0, sizeof ents[0]);
            ents[nents].path = strdup(child);
            ents[nents++].line = b.p;
            continue;
        }
        add_entry(child, &v[i].de);
        if (v[i].de.d_type == DT_DIR || (v[i].de.d_type == DT_UNKNOWN && nents && ents[nents - 1].isdir))
            walk(child);
        else if (nents && ents[nents - 1].isdir)
            walk(child);
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

static void listing(struct buf *out)
{
    nents = 0;
    add_entry("", NULL);
    if (ents[0].isdir)
        walk("");
    /* link groups: entries (not directories) sharing dev:ino */
    for (size_t i = 0; i < nents; i++) {
        if (ents[i].isdir || !ents[i].ino)
            continue;
        for (size_t j = 0; j < nents; j++) {
            if (j == i || ents[j].isdir || ents[j].ino != ents[i].ino || ents[j].dev != ents[i].dev)
                continue;
            size_t first = j < i ? j : i;
            for (size_t k = 0; k < first; k++)
                if (!ents[k].isdir && ents[k].ino == ents[i].ino && ents[k].dev == ents[i].dev)
                    first = k;
            char f[64];
            snprintf(f, sizeof f, " =%.60s", ents[first].path);
            if (strlen(ents[i].flags) + strlen(f) < sizeof ents[i].flags)
                strcat(ents[i].flags, f);
            break;
        }
    }
    for (size_t i = 0; i < nents; i++) {
        bprintf(out, "%s\t%s\n", ents[i].line, ents[i].flags[0] ? ents[i].flags + 1 : "-");
        free(ents[i].line);
        free(ents[i].path);
    }
}

/* ---- the operations ------------------------------------------------------- */

/* Tokens: whitespace-separated words; "double quoted" with \n \t \0 \\ \"
 * \xHH; "#" starts a comment, "=>" an annotation (the runner's).  The words
 * are copied into STORE, NUL-terminated; a word "@N" given as data stands
 * for N bytes of a fixed pattern. */
static int tokenize(const char *r, char *store, char **tok, size_t *toklen, int max)
{
    int n = 0;
    char *w = store;
    for (;;) {
        while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
            r++;
        if (!*r || *r == '#')
            break;
        if (r[0] == '=' && r[1] == '>' && (r[2] == 0 || isspace((unsigned char)r[2])))
            break;
        if (n == max)
            return -1;
        tok[n] = w;
        if (*r == '"') {
            r++;
            while (*r && *r != '"') {
                if (*r == '\\' && r[1]) {
                    r++;
                    switch (*r) {
                    case 'n': *w++ = '\n'; r++; break;
                    case 't': *w++ = '\t'; r++; break;
                    case '0': *w++ = 0; r++; break;
                    case 'x': {
                        unsigned v = 0;
                        if (sscanf(r + 1, "%2x", &v) != 1)
                            return -1;
                        *w++ = (char)v;
                        r += 3;
                        break;
                    }
                    default: *w++ = *r++;
                    }
                } else {
                    *w++ = *r++;
                }
            }
            if (*r != '"')
                return -1;
            r++;
        } else {
            while (*r && !isspace((unsigned char)*r))
                *w++ = *r++;
        }
        toklen[n] = w - tok[n];
        *w++ = 0;
        n++;
    }
    return n;
}

struct args {
    int n;
    char *v[MAXTOK];
    size_t len[MAXTOK];
};

/* data argument: the bytes, or @N for N bytes of pattern */
static char *data_of(struct args *a, int i, size_t *len)
{
    if (i >= a->n) {
        *len = 0;
        return "";
    }
    if (a->v[i][0] == '@' && isdigit((unsigned char)a->v[i][1])) {
        size_t n = strtoull(a->v[i] + 1, NULL, 10);
        char *p = malloc(n + 1);
        for (size_t k = 0; k < n; k++)
            p[k] = "abcdefghijklmnopqrstuvwxyz0123456789\n"[k % 37];
        *len = n;
        return p; /* leaked; oprun is short-lived */
    }
    *len = a->len[i];
    return a->v[i];
}

static mode_t mode_of(struct args *a, int i, mode_t dflt)
{
    if (i >= a->n)
        return dflt;
    return (mode_t)strtoul(a->v[i], NULL, 8);
}

static long num_of(struct args *a, int i, long dflt)
{
    if (i >= a->n)
        return dflt;
    return strtol(a->v[i], NULL, 0);
}

static const char *target_of(const char *t)
{
    static char b[PATH_MAX * 2];
    if (t[0] == '@' && t[1] == '/') {
        snprintf(b, sizeof b, "%s%s", root, t + 1);
        return b;
    }
    return t;
}

/* named fds: open H PATH FLAGS */
struct handle {
    char name[32];
    int fd;
    void *map;
    size_t maplen;
};
static struct handle handles[64];

static struct handle *handle(const char *name, int create)
{
    for (int i = 0; i < 64; i++)
        if (handles[i].name[0] && strcmp(handles[i].name, name) == 0)
            return &handles[i];
    if (!create)
        return NULL;
    for (int i = 0; i < 64; i++)
        if (!handles[i].name[0]) {
            snprintf(handles[i].name, sizeof handles[i].name, "%s", name);
            handles[i].fd = -1;
            return &handles[i];
        }
    die("too many handles");
    return NULL;
}


/* Where a path argument points: "H:rel" is relative to the directory fd of
 * handle H (the *at() calls), "./x" and "../x" to the current directory,
 * anything else to ROOT. */
struct loc {
    int dirfd;
    const char *path;
};

static struct loc locate(const char *arg)
{
    static char bufs[16][PATH_MAX * 2];
    static int k;
    struct loc l = {AT_FDCWD, NULL};
    const char *colon = strchr(arg, ':');
    if (colon && colon > arg && colon - arg < 32) {
        char name[32];
        memcpy(name, arg, colon - arg);
        name[colon - arg] = 0;
        struct handle *h = handle(name, 0);
        if (h) {
            l.dirfd = h->fd;
            l.path = colon[1] ? colon + 1 : ".";
            return l;
        }
    }
    if (strncmp(arg, "./", 2) == 0 || strncmp(arg, "../", 3) == 0 || strcmp(arg, "..") == 0) {
        l.path = arg;
        return l;
    }
    char *b = bufs[k++ & 15];
    snprintf(b, PATH_MAX * 2, "%s", full(arg));
    l.path = b;
    return l;
}

static const char *xpath(const char *arg)
{
    struct loc l = locate(arg);
    if (l.dirfd != AT_FDCWD)
        die("%s: the xattr operations take no handle-relative path", arg);
    return l.path;
}

static struct buf res; /* the result of one operation: "ok ..." or ERRNO */

#define FAIL() do { bprintf(&res, "%s", errname(errno)); return; } while (0)
#define CHK(x) do { if ((x) < 0) FAIL(); } while (0)

static void ok(void) { bput(&res, "ok", 2); }

static void show_bytes(const unsigned char *p, size_t n)
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

static int read_all(int fd, unsigned char **out, size_t *len, int pread_from_0)
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

static void show_stat(const struct stat *st)
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

static int ino_label(ino_t i)
{
    for (int k = 0; k < ninos; k++)
        if (inos[k] == i)
            return k + 1;
    if (ninos < 4096)
        inos[ninos++] = i;
    return ninos;
}

static int parse_flags(const char *s)
{
    int f = 0, acc = -1;
    char *dup = strdup(s), *save = NULL;
    for (char *w = strtok_r(dup, ",|+", &save); w; w = strtok_r(NULL, ",|+", &save)) {
        if (!strcmp(w, "rdonly") || !strcmp(w, "r")) acc = O_RDONLY;
        else if (!strcmp(w, "wronly") || !strcmp(w, "w")) acc = O_WRONLY;
        else if (!strcmp(w, "rdwr") || !strcmp(w, "rw")) acc = O_RDWR;
        else if (!strcmp(w, "creat")) f |= O_CREAT;
        else if (!strcmp(w, "excl")) f |= O_EXCL;
        else if (!strcmp(w, "trunc")) f |= O_TRUNC;
        else if (!strcmp(w, "append")) f |= O_APPEND;
        else if (!strcmp(w, "directory")) f |= O_DIRECTORY;
        else if (!strcmp(w, "nofollow")) f |= O_NOFOLLOW;
        else if (!strcmp(w, "path")) f |= O_PATH;
        else if (!strcmp(w, "tmpfile")) f |= O_TMPFILE;
        else die("unknown open flag: %s", w);
    }
    free(dup);
    return f | (acc < 0 ? O_RDONLY : acc);
}

/* --- mv(1) emulation for EXDEV ---- */

static int copy_xattrs(const char *src, const char *dst)
{
    char names[65536];
    ssize_t n = llistxattr(src, names, sizeof names);
    for (char *s = names; n > 0 && s < names + n; s += strlen(s) + 1) {
        char val[65536];
        ssize_t m = lgetxattr(src, s, val, sizeof val);
        if (m >= 0)
            lsetxattr(dst, s, val, m, 0);
    }
    return 0;
}

static int copy_tree(const char *src, const char *dst)
{
    struct stat st;
    if (lstat(src, &st) < 0)
        return -1;
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(dst, 0700) < 0)
            return -1;
        DIR *d = opendir(src);
        if (!d)
            return -1;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char s[PATH_MAX], t[PATH_MAX];
            snprintf(s, sizeof s, "%s/%s", src, de->d_name);
            snprintf(t, sizeof t, "%s/%s", dst, de->d_name);
            if (copy_tree(s, t) < 0) {
                int e = errno;
                closedir(d);
                errno = e;
                return -1;
            }
        }
        closedir(d);
    } else if (S_ISREG(st.st_mode)) {
        int in = open(src, O_RDONLY), out;
        if (in < 0)
            return -1;
        out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (out < 0) {
            close(in);
            return -1;
        }
        char b[65536];
        ssize_t n;
        while ((n = read(in, b, sizeof b)) > 0)
            if (write(out, b, n) != n)
                break;
        close(in);
        close(out);
    } else if (S_ISLNK(st.st_mode)) {
        char t[PATH_MAX + 1];
        ssize_t n = readlink(src, t, sizeof t - 1);
        if (n < 0)
            return -1;
        t[n] = 0;
        if (symlink(t, dst) < 0)
            return -1;
    } else {
        if (mknod(dst, st.st_mode, st.st_rdev) < 0)
            return -1;
    }
    copy_xattrs(src, dst);
    if (lchown(dst, st.st_uid, st.st_gid) < 0) { /* as mv: ignored */ }
    if (!S_ISLNK(st.st_mode))
        chmod(dst, st.st_mode & 07777);
    utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW);
    return 0;
}

static int remove_tree(const char *p)
{
    struct stat st;
    if (lstat(p, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(p);
    DIR *d = opendir(p);
    if (!d)
        return -1;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        char c[PATH_MAX];
        snprintf(c, sizeof c, "%s/%s", p, names[i]);
        if (remove_tree(c) < 0)
            return -1;
        free(names[i]);
    }
    free(names);
    return rmdir(p);
}

/* rename as mv does it after EXDEV: the same checks as rename(2), then a
 * copy under a temporary name beside B, renamed over B only once complete
 * (a copy that fails changes nothing), then the source removed */
static int dir_is_empty(const char *p)
{
    DIR *d = opendir(p);
    if (!d)
        return -1;
    struct dirent *de;
    int empty = 1;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            empty = 0;
    closedir(d);
    return empty;
}

static int mv_copy(const char *a, const char *b, int noreplace)
{
    struct stat sa, sb;
    if (lstat(a, &sa) < 0)
        return -1;
    if (lstat(b, &sb) == 0) {
        if (noreplace) {
            errno = EEXIST;
            return -1;
        }
        if (S_ISDIR(sb.st_mode) && !S_ISDIR(sa.st_mode)) {
            errno = EISDIR;
            return -1;
        }
        if (!S_ISDIR(sb.st_mode) && S_ISDIR(sa.st_mode)) {
            errno = ENOTDIR;
            return -1;
        }
        if (S_ISDIR(sb.st_mode)) {
            int e = dir_is_empty(b);
            if (e < 0)
                return -1;
            if (!e) {
                errno = ENOTEMPTY;
                return -1;
            }
        }
    }
    char tmp[PATH_MAX * 2 + 16];
    snprintf(tmp, sizeof tmp, "%s.oprun-mv", b);
    if (copy_tree(a, tmp) < 0) {
        int e = errno;
        remove_tree(tmp);
        errno = e;
        return -1;
    }
    if (rename(tmp, b) < 0) {
        int e = errno;
        remove_tree(tmp);
        errno = e;
        return -1;
    }
    return remove_tree(a);
}

static void do_rename(struct loc la, struct loc lb, unsigned flags)
{
    if (renameat2(la.dirfd, la.path, lb.dirfd, lb.path, flags) == 0) {
        ok();
        return;
    }
    if (errno != EXDEV || !opt_exdev)
        FAIL();
    /* (the kernel side only: no union to resolve /proc/self/fd/N in) */
    char pa[PATH_MAX * 2], pb[PATH_MAX * 2];
    if (la.dirfd == AT_FDCWD)
        snprintf(pa, sizeof pa, "%s", la.path);
    else
        snprintf(pa, sizeof pa, "/proc/self/fd/%d/%s", la.dirfd, la.path);
    if (lb.dirfd == AT_FDCWD)
        snprintf(pb, sizeof pb, "%s", lb.path);
    else
        snprintf(pb, sizeof pb, "/proc/self/fd/%d/%s", lb.dirfd, lb.path);
    const char *a = pa, *b = pb;
    int r;
    if (flags & RENAME_EXCHANGE) {
        char tmp[PATH_MAX * 2 + 16];
        snprintf(tmp, sizeof tmp, "%s.oprun-xchg", a);
        r = renameat2(AT_FDCWD, a, AT_FDCWD, tmp, RENAME_NOREPLACE);
        if (r < 0 && errno == EXDEV)
            r = mv_copy(a, tmp, 1);
        if (r == 0) {
            r = rename(b, a);
            if (r < 0 && errno == EXDEV)
                r = mv_copy(b, a, 0);
        }
        if (r == 0) {
            r = rename(tmp, b);
            if (r < 0 && errno == EXDEV)
                r = mv_copy(tmp, b, 0);
        }
    } else {
        r = mv_copy(a, b, flags & RENAME_NOREPLACE);
    }
    if (r == 0)
        bput(&res, "EXDEV->ok", 9);
    else
        bprintf(&res, "EXDEV->%s", errname(errno));
}

static void run_op(struct args *a)
{
    const char *op = a->v[0];
    res.len = 0;
    if (res.p)
        res.p[0] = 0;
#define NEED(k) do { if (a->n < (k) + 1) die("%s: needs %d arguments", op, k); } while (0)
#define P(i) xpath(a->v[i])   /* xattr calls: no *at() form */
#define L(i) locate(a->v[i])
#define D(i) (locate(a->v[i]).dirfd)
#define Q(i) (locate(a->v[i]).path)
    if (!strcmp(op, "create") || !strcmp(op, "create_excl")) {
        NEED(1);
        size_t n;
        char *d = data_of(a, 2, &n);
        int fd = openat(D(1), Q(1), O_WRONLY | O_CREAT | (op[6] ? O_EXCL : O_TRUNC), mode_of(a, 3, 0644));
        CHK(fd);
        if (n && write(fd, d, n) != (ssize_t)n) {
            int e = errno;
            close(fd);
            errno = e;
            FAIL();
        }
        CHK(close(fd));
        ok();
    } else if (!strcmp(op, "write")) {
        NEED(2);
        size_t n;
        char *d = data_of(a, 2, &n);
        int fd = openat(D(1), Q(1), O_WRONLY);
        CHK(fd);
        ssize_t w = pwrite(fd, d, n, num_of(a, 3, 0));
        int e = errno;
        close(fd);
        errno = e;
        CHK(w);
        ok();
    } else if (!strcmp(op, "append")) {
        NEED(2);
        size_t n;
        char *d = data_of(a, 2, &n);
        int fd = openat(D(1), Q(1), O_WRONLY | O_APPEND);
        CHK(fd);
        ssize_t w = write(fd, d, n);
        int e = errno;
        close(fd);
        errno = e;
        CHK(w);
        ok();
    } else if (!strcmp(op, "truncate")) {
        NEED(2);
        if (D(1) == AT_FDCWD) {
            CHK(truncate(Q(1), num_of(a, 2, 0)));
        } else {
            int fd = openat(D(1), Q(1), O_WRONLY);
            CHK(fd);
            int r = ftruncate(fd, num_of(a, 2, 0));
            int e = errno;
            close(fd);
            errno = e;
            CHK(r);
        }
        ok();
    } else if (!strcmp(op, "read")) {
        NEED(1);
        int fd = openat(D(1), Q(1), O_RDONLY);
        CHK(fd);
        unsigned char *p;
        size_t n;
        int r = read_all(fd, &p, &n, 0);
        int e = errno;
        close(fd);
        errno = e;
        CHK(r);
        show_bytes(p, n);
        free(p);
    } else if (!strcmp(op, "holes")) {
        NEED(1);
        int fd = openat(D(1), Q(1), O_RDONLY);
        CHK(fd);
        off_t end = lseek(fd, 0, SEEK_END), pos = 0;
        bput(&res, "ok", 2);
        while (pos < end) {
            off_t d = lseek(fd, pos, SEEK_DATA);
            if (d < 0)
                break;
            off_t h = lseek(fd, d, SEEK_HOLE);
            bprintf(&res, " %lld-%lld", (long long)d, (long long)h);
            pos = h;
        }
        close(fd);
    } else if (!strcmp(op, "sparse")) { /* "ok sparse" when fewer bytes are allocated than the size */
        NEED(1);
        struct stat st;
        CHK(fstatat(D(1), Q(1), &st, 0));
        bprintf(&res, "ok %s", (long long)st.st_blocks * 512 < (long long)st.st_size ? "sparse" : "dense");
    } else if (!strcmp(op, "unlink")) {
        NEED(1);
        CHK(unlinkat(D(1), Q(1), 0));
        ok();
    } else if (!strcmp(op, "mkdir")) {
        NEED(1);
        CHK(mkdirat(D(1), Q(1), mode_of(a, 2, 0755)));
        ok();
    } else if (!strcmp(op, "rmdir")) {
        NEED(1);
        CHK(unlinkat(D(1), Q(1), AT_REMOVEDIR));
        ok();
    } else if (!strcmp(op, "rename")) {
        NEED(2);
        do_rename(L(1), L(2), 0);
    } else if (!strcmp(op, "rename_noreplace")) {
        NEED(2);
        do_rename(L(1), L(2), RENAME_NOREPLACE);
    } else if (!strcmp(op, "rename_exchange")) {
        NEED(2);
        do_rename(L(1), L(2), RENAME_EXCHANGE);
    } else if (!strcmp(op, "link")) {
        NEED(2);
        CHK(linkat(D(1), Q(1), D(2), Q(2), 0));
        ok();
    } else if (!strcmp(op, "symlink")) {
        NEED(2);
        CHK(symlinkat(target_of(a->v[1]), D(2), Q(2)));
        ok();
    } else if (!strcmp(op, "mkfifo")) {
        NEED(1);
        CHK(mkfifoat(D(1), Q(1), mode_of(a, 2, 0644)));
        ok();
    } else if (!strcmp(op, "mknod")) { /* mknod P c|b MAJ MIN [MODE] */
        NEED(4);
        mode_t t = a->v[2][0] == 'b' ? S_IFBLK : S_IFCHR;
        CHK(mknodat(D(1), Q(1), t | mode_of(a, 5, 0644), makedev(num_of(a, 3, 0), num_of(a, 4, 0))));
        ok();
    } else if (!strcmp(op, "whiteout")) {
        NEED(1);
        CHK(mknod(P(1), S_IFCHR | 0, makedev(0, 0)));
        ok();
    } else if (!strcmp(op, "opaque")) { /* opaque DIR [user|trusted] */
        NEED(1);
        char name[64];
        snprintf(name, sizeof name, "%s.overlay.opaque", a->n > 2 ? a->v[2] : "user");
        CHK(lsetxattr(P(1), name, "y", 1, 0));
        ok();
    } else if (!strcmp(op, "chmod")) {
        NEED(2);
        CHK(fchmodat(D(1), Q(1), mode_of(a, 2, 0), 0));
        ok();
    } else if (!strcmp(op, "chown")) {
        NEED(3);
        CHK(fchownat(D(1), Q(1), num_of(a, 2, -1), num_of(a, 3, -1), 0));
        ok();
    } else if (!strcmp(op, "lchown")) {
        NEED(3);
        CHK(fchownat(D(1), Q(1), num_of(a, 2, -1), num_of(a, 3, -1), AT_SYMLINK_NOFOLLOW));
        ok();
    } else if (!strcmp(op, "utimes") || !strcmp(op, "lutimes")) {
        NEED(3);
        struct timespec ts[2] = {{num_of(a, 2, 0), 0}, {num_of(a, 3, 0), 0}};
        CHK(utimensat(D(1), Q(1), ts, op[0] == 'l' ? AT_SYMLINK_NOFOLLOW : 0));
        ok();
    } else if (!strcmp(op, "setxattr")) {
        NEED(3);
        size_t n;
        char *d = data_of(a, 3, &n);
        CHK(lsetxattr(P(1), a->v[2], d, n, 0));
        ok();
    } else if (!strcmp(op, "removexattr")) {
        NEED(2);
        CHK(lremovexattr(P(1), a->v[2]));
        ok();
    } else if (!strcmp(op, "getxattr")) {
        NEED(2);
        unsigned char v[65536];
        ssize_t n = lgetxattr(P(1), a->v[2], v, sizeof v);
        CHK(n);
        show_bytes(v, n);
    } else if (!strcmp(op, "listxattr")) {
        NEED(1);
        char names[65536];
        ssize_t n = llistxattr(P(1), names, sizeof names);
        CHK(n);
        char *v[1024];
        int nv = 0;
        for (char *s = names; s < names + n && nv < 1024; s += strlen(s) + 1)
            v[nv++] = s;
        qsort(v, nv, sizeof v[0], cmpstr);
        bput(&res, "ok", 2);
        for (int i = 0; i < nv; i++)
            bprintf(&res, " %s", v[i]);
    } else if (!strcmp(op, "stat") || !strcmp(op, "lstat")) {
        NEED(1);
        struct stat st;
        CHK(fstatat(D(1), Q(1), &st, op[0] == 'l' ? AT_SYMLINK_NOFOLLOW : 0));
        show_stat(&st);
    } else if (!strcmp(op, "ino")) {
        NEED(1);
        struct stat st;
        CHK(fstatat(D(1), Q(1), &st, AT_SYMLINK_NOFOLLOW));
        bprintf(&res, "ok i%d", ino_label(st.st_ino));
    } else if (!strcmp(op, "readdir")) {
        NEED(1);
        int dfd = openat(D(1), Q(1), O_RDONLY | O_DIRECTORY);
        CHK(dfd);
        DIR *d = fdopendir(dfd);
        if (!d)
            FAIL();
        struct dent *v = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            v = realloc(v, (n + 1) * sizeof *v);
            v[n].de = *de;
            v[n].name = strdup(de->d_name);
            n++;
        }
        closedir(d);
        qsort(v, n, sizeof *v, cmpdent);
        bput(&res, "ok", 2);
        for (size_t i = 0; i < n; i++) {
            bprintf(&res, " %s/%c", v[i].name, dtype_char(v[i].de.d_type));
            free(v[i].name);
        }
        free(v);
    } else if (!strcmp(op, "telldir_roundtrip")) {
        /* every telldir() position, seekdir()'d back to, gives the same next entry */
        NEED(1);
        struct loc l = L(1);
        int dfd = openat(l.dirfd, l.path, O_RDONLY | O_DIRECTORY);
        CHK(dfd);
        DIR *d = fdopendir(dfd);
        if (!d)
            FAIL();
        long pos[4096];
        char *names[4096];
        int n = 0, bad = 0;
        for (;;) {
            long p = telldir(d);
            struct dirent *de = readdir(d);
            if (!de || n == 4096)
                break;
            pos[n] = p;
            names[n++] = strdup(de->d_name);
        }
        for (int i = n - 1; i >= 0; i--) {
            seekdir(d, pos[i]);
            struct dirent *de = readdir(d);
            if (!de || strcmp(de->d_name, names[i]) != 0) {
                if (!bad++)
                    bprintf(&res, "MISMATCH at %s: %s", names[i], de ? de->d_name : "(end)");
            }
        }
        rewinddir(d);
        int again = 0;
        while (readdir(d))
            again++;
        closedir(d);
        if (!bad && again != n)
            bprintf(&res, "MISMATCH rewinddir: %d then %d entries", n, again), bad = 1;
        if (!bad)
            bprintf(&res, "ok %d entries", n);
        for (int i = 0; i < n; i++)
            free(names[i]);
    } else if (!strcmp(op, "readdir_concurrent")) {
        /* readdir_concurrent D NEW GONE: read half of D, create D/NEW and
         * remove D/GONE, read the rest: no name twice, every name that was
         * there throughout (all but NEW and GONE) exactly once */
        NEED(3);
        struct loc l = L(1);
        int dfd = openat(l.dirfd, l.path, O_RDONLY | O_DIRECTORY);
        CHK(dfd);
        DIR *d = fdopendir(dfd);
        if (!d)
            FAIL();
        char *before[4096], *seen[8192];
        int nb = 0, ns = 0;
        struct dirent *de;
        while ((de = readdir(d)) && nb < 4096)
            before[nb++] = strdup(de->d_name);
        rewinddir(d);
        for (int i = 0; i < nb / 2 && (de = readdir(d)); i++)
            seen[ns++] = strdup(de->d_name);
        char p[PATH_MAX * 2];
        snprintf(p, sizeof p, "%s/%s", l.path, a->v[2]);
        int fd = openat(l.dirfd, p, O_WRONLY | O_CREAT, 0644);
        int ecreate = fd < 0 ? errno : 0;
        if (fd >= 0)
            close(fd);
        snprintf(p, sizeof p, "%s/%s", l.path, a->v[3]);
        int eunlink = unlinkat(l.dirfd, p, 0) < 0 ? errno : 0;
        while ((de = readdir(d)) && ns < 8192)
            seen[ns++] = strdup(de->d_name);
        closedir(d);
        int bad = 0;
        for (int i = 0; i < ns && !bad; i++)
            for (int j = i + 1; j < ns; j++)
                if (!strcmp(seen[i], seen[j])) {
                    bprintf(&res, "MISMATCH %s twice", seen[i]);
                    bad = 1;
                    break;
                }
        for (int i = 0; i < nb && !bad; i++) {
            if (!strcmp(before[i], a->v[2]) || !strcmp(before[i], a->v[3]))
                continue;
            int found = 0;
            for (int j = 0; j < ns; j++)
                found += !strcmp(before[i], seen[j]);
            if (found != 1) {
                bprintf(&res, "MISMATCH %s seen %d times", before[i], found);
                bad = 1;
            }
        }
        if (!bad)
            bprintf(&res, "ok create %s unlink %s", ecreate ? errname(ecreate) : "ok", eunlink ? errname(eunlink) : "ok");
    } else if (!strcmp(op, "readlink")) {
        NEED(1);
        char t[PATH_MAX + 1];
        ssize_t n = readlinkat(D(1), Q(1), t, sizeof t - 1);
        CHK(n);
        t[n] = 0;
        bprintf(&res, "ok %s", t);
    } else if (!strcmp(op, "access")) { /* access P [rwxf] */
        NEED(2);
        int m = 0;
        for (const char *s = a->v[2]; *s; s++)
            m |= *s == 'r' ? R_OK : *s == 'w' ? W_OK : *s == 'x' ? X_OK : F_OK;
        CHK(faccessat(D(1), Q(1), m, 0));
        ok();
    } else if (!strcmp(op, "cd")) { /* cd P: the current directory */
        NEED(1);
        struct loc l = L(1);
        if (l.dirfd != AT_FDCWD && strcmp(l.path, ".") == 0) {
            CHK(fchdir(l.dirfd));
        } else if (l.dirfd != AT_FDCWD) {
            int fd = openat(l.dirfd, l.path, O_RDONLY | O_DIRECTORY);
            CHK(fd);
            int r = fchdir(fd);
            int e = errno;
            close(fd);
            errno = e;
            CHK(r);
        } else {
            CHK(chdir(l.path));
        }
        ok();
    } else if (!strcmp(op, "getcwd")) { /* the cwd, relative to ROOT */
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            FAIL();
        size_t rl = strlen(root);
        if (strcmp(cwd, root) == 0)
            bput(&res, "ok .", 4);
        else if (strncmp(cwd, root, rl) == 0 && cwd[rl] == '/')
            bprintf(&res, "ok %s", cwd + rl + 1);
        else
            bput(&res, "ok (outside)", 12);
    } else if (!strcmp(op, "opendir_fd")) { /* opendir_fd H D: a directory fd for H:rel */
        NEED(2);
        struct loc l = L(2);
        int fd = openat(l.dirfd, l.path, O_RDONLY | O_DIRECTORY);
        CHK(fd);
        struct handle *h = handle(a->v[1], 1);
        if (h->fd >= 0)
            close(h->fd);
        h->fd = fd;
        ok();
    } else if (!strcmp(op, "open")) { /* open H PATH FLAGS [MODE] */
        NEED(3);
        struct handle *h = handle(a->v[1], 1);
        if (h->fd >= 0)
            close(h->fd);
        h->fd = openat(D(2), Q(2), parse_flags(a->v[3]), mode_of(a, 4, 0644));
        CHK(h->fd);
        ok();
    } else if (!strcmp(op, "close")) {
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        if (h->map)
            munmap(h->map, h->maplen), h->map = NULL;
        int r = close(h->fd);
        h->name[0] = 0;
        CHK(r);
        ok();
    } else if (!strcmp(op, "fread")) {
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        unsigned char *p;
        size_t n;
        CHK(read_all(h->fd, &p, &n, 1));
        show_bytes(p, n);
        free(p);
    } else if (!strcmp(op, "readn")) { /* readn H N: up to N bytes from the fd's offset, read(2) */
        NEED(2);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        size_t want = (size_t)num_of(a, 2, 0);
        unsigned char *p = malloc(want + 1);
        ssize_t r = read(h->fd, p, want);
        if (r < 0) {
            free(p);
            FAIL();
        }
        show_bytes(p, (size_t)r);
        free(p);
    } else if (!strcmp(op, "dup")) { /* dup H NEW: NEW is a dup(2) of H */
        NEED(2);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        int fd = dup(h->fd);
        CHK(fd);
        struct handle *n = handle(a->v[2], 1);
        if (n->fd >= 0)
            close(n->fd);
        n->fd = fd;
        ok();
    } else if (!strcmp(op, "fwrite")) {
        NEED(2);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        size_t n;
        char *d = data_of(a, 2, &n);
        CHK(write(h->fd, d, n));
        ok();
    } else if (!strcmp(op, "fstat")) {
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        struct stat st;
        if (!h)
            die("no handle %s", a->v[1]);
        CHK(fstat(h->fd, &st));
        show_stat(&st);
    } else if (!strcmp(op, "fino")) {
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        struct stat st;
        if (!h)
            die("no handle %s", a->v[1]);
        CHK(fstat(h->fd, &st));
        bprintf(&res, "ok i%d", ino_label(st.st_ino));
    } else if (!strcmp(op, "ftruncate")) {
        NEED(2);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        CHK(ftruncate(h->fd, num_of(a, 2, 0)));
        ok();
    } else if (!strcmp(op, "fchmod")) {
        NEED(2);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        CHK(fchmod(h->fd, mode_of(a, 2, 0)));
        ok();
    } else if (!strcmp(op, "mmap")) { /* mmap H: map the whole file read-only, shared */
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        struct stat st;
        if (!h)
            die("no handle %s", a->v[1]);
        CHK(fstat(h->fd, &st));
        h->maplen = st.st_size ? st.st_size : 1;
        h->map = mmap(NULL, h->maplen, PROT_READ, MAP_SHARED, h->fd, 0);
        if (h->map == MAP_FAILED) {
            h->map = NULL;
            FAIL();
        }
        ok();
    } else if (!strcmp(op, "mread")) {
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        if (!h || !h->map)
            die("no mapping %s", a->v[1]);
        show_bytes(h->map, h->maplen);
    } else if (!strcmp(op, "open_rdonly_then_copyup")) {
        /* open read-only, append "+" through another open (copy-up), read
         * through the first fd */
        NEED(1);
        int fd = openat(D(1), Q(1), O_RDONLY);
        CHK(fd);
        int w = openat(D(1), Q(1), O_WRONLY | O_APPEND);
        if (w < 0 || write(w, "+", 1) != 1) {
            int e = errno;
            close(fd);
            errno = e;
            FAIL();
        }
        close(w);
        unsigned char *p;
        size_t n;
        int r = read_all(fd, &p, &n, 1);
        int e = errno;
        close(fd);
        errno = e;
        CHK(r);
        show_bytes(p, n);
        free(p);
    } else {
        die("unknown operation: %s", op);
    }
#undef P
#undef L
#undef D
#undef Q
#undef NEED
}

/* ---- setup: fixed times --------------------------------------------------- */

static void fix_times(const char *p)
{
    struct stat st;
    if (lstat(p, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(p);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                    continue;
                char c[PATH_MAX];
                snprintf(c, sizeof c, "%s/%s", p, de->d_name);
                fix_times(c);
            }
            closedir(d);
        }
    }
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    if (ts[1].tv_sec < NEW_AFTER && ts[0].tv_sec < NEW_AFTER)
        return;
    if (ts[1].tv_sec >= NEW_AFTER)
        ts[1].tv_sec = T0, ts[1].tv_nsec = 0;
    if (ts[0].tv_sec >= NEW_AFTER)
        ts[0] = ts[1];
    utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

/* ---- main ------------------------------------------------------------------ */

static void usage(void)
{
    fputs("usage: oprun run [-x] [-t TRACE] ROOT < ops\n"
          "       oprun setup [-k] ROOT < ops\n"
          "       oprun list [-u] ROOT\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    const char *mode = argv[1];
    int c;
    optind = 2;
    while ((c = getopt(argc, argv, "xt:ku")) != -1) {
        switch (c) {
        case 'x': opt_exdev = 1; break;
        case 't': trace_path = optarg; break;
        case 'k': opt_keep_going = 1; break;
        case 'u': opt_raw = 1; break;
        default: usage();
        }
    }
    if (optind != argc - 1)
        usage();
    snprintf(root, sizeof root, "%s", argv[optind]);
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        root[--rl] = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(0);

    if (!strcmp(mode, "list")) {
        struct buf out = {0};
        listing(&out);
        fwrite(out.p, 1, out.len, stdout);
        return 0;
    }
    int setup = !strcmp(mode, "setup");
    if (!setup && strcmp(mode, "run"))
        usage();
    FILE *trace = NULL;
    if (trace_path && !(trace = fopen(trace_path, "w")))
        die("cannot write %s: %s", trace_path, strerror(errno));
    /* "./x" paths start at ROOT, never wherever we were started */
    if (chdir(root) < 0)
        die("cannot change to %s: %s", root, strerror(errno));

    char *line = malloc(MAXLINE), *store = malloc(MAXLINE);
    int lineno = 0, status = 0;
    while (fgets(line, MAXLINE, stdin)) {
        lineno++;
        char copy[512];
        snprintf(copy, sizeof copy, "%s", line);
        copy[strcspn(copy, "\n")] = 0;
        struct args a;
        a.n = tokenize(line, store, a.v, a.len, MAXTOK);
        if (a.n < 0)
            die("line %d: cannot parse: %s", lineno, copy);
        if (a.n == 0)
            continue;
        run_op(&a);
        if (setup) {
            if (strncmp(res.p, "ok", 2) != 0) {
                fprintf(stderr, "oprun setup: line %d: %s: %s\n", lineno, copy, res.p);
                status = 1;
                if (!opt_keep_going)
                    return 1;
            }
        } else {
            /* the listing first: once the result is out, the runner may
             * have another process change the union */
            if (trace) {
                struct buf out = {0};
                listing(&out);
                fprintf(trace, "## %d\n", lineno);
                fwrite(out.p, 1, out.len, trace);
                fflush(trace);
                free(out.p);
            }
            printf("%s\n", res.p);
        }
    }
    if (setup)
        fix_times(root);
    if (trace)
        fclose(trace);
    return status;
}
