/* oprun: the listing of a tree, one line per entry (main.c says its form;
 * oprun.h). */
#include "oprun.h"

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

char type_char(mode_t m)
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

char dtype_char(unsigned char t)
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

void fmt_time(struct buf *b, struct timespec ts)
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

int cmpstr(const void *a, const void *b)
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


int cmpdent(const void *a, const void *b)
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

void listing(struct buf *out)
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
