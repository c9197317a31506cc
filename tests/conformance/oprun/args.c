/* oprun: an operation's words, and the paths, handles, data and flags they
 * name (oprun.h). */
#include "oprun.h"

/* ---- the operations ------------------------------------------------------- */

/* Tokens: whitespace-separated words; "double quoted" with \n \t \0 \\ \"
 * \xHH; "#" starts a comment, "=>" an annotation (the runner's).  The words
 * are copied into STORE, NUL-terminated; a word "@N" given as data stands
 * for N bytes of a fixed pattern. */
int tokenize(const char *r, char *store, char **tok, size_t *toklen, int max)
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


/* data argument: the bytes, or @N for N bytes of pattern */
char *data_of(struct args *a, int i, size_t *len)
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

mode_t mode_of(struct args *a, int i, mode_t dflt)
{
    if (i >= a->n)
        return dflt;
    return (mode_t)strtoul(a->v[i], NULL, 8);
}

long num_of(struct args *a, int i, long dflt)
{
    if (i >= a->n)
        return dflt;
    return strtol(a->v[i], NULL, 0);
}

const char *target_of(const char *t)
{
    static char b[PATH_MAX * 2];
    if (t[0] == '@' && t[1] == '/') {
        snprintf(b, sizeof b, "%s%s", mount_root, t + 1);
        return b;
    }
    return t;
}

static struct handle handles[64];

struct handle *handle(const char *name, int create)
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



struct loc locate(const char *arg)
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

const char *xpath(const char *arg)
{
    struct loc l = locate(arg);
    if (l.dirfd != AT_FDCWD)
        die("%s: the xattr operations take no handle-relative path", arg);
    return l.path;
}
int parse_flags(const char *s)
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
