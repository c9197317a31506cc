/* oprun (main.c says what it does): what its files share.  util.c: errors,
 * growing strings, paths below ROOT; listing.c: the listing of a tree;
 * args.c: an operation's words and what they name; result.c: the result of
 * one operation; mv.c: a rename redone as mv(1) does it; ops.c: the
 * operations. */
#ifndef OPRUN_H
#define OPRUN_H

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

/* Set by main from the command line. */
extern char root[PATH_MAX];
extern char mount_root[PATH_MAX];
extern int opt_exdev, opt_keep_going, opt_raw;
extern const char *trace_path;

/* ---- util.c ---------------------------------------------------------------- */

void die(const char *fmt, ...);
const char *errname(int e);
/* A growing string. */
struct buf {
    char *p;
    size_t len, cap;
};
void bput(struct buf *b, const char *s, size_t n);
void bprintf(struct buf *b, const char *fmt, ...);
/* Bytes as text: printable ASCII as is (minus \ , = and space), else \xHH. */
void bescape(struct buf *b, const unsigned char *s, size_t n);
uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n);
#define FNV0 0xcbf29ce484222325ULL
/* ROOT/rel, in one of four static buffers. */
char *full(const char *rel);

/* ---- listing.c ------------------------------------------------------------- */

char type_char(mode_t m);
char dtype_char(unsigned char t);
void fmt_time(struct buf *b, struct timespec ts);
int cmpstr(const void *a, const void *b);
struct dent {
    char *name;
    struct dirent de;
};
int cmpdent(const void *a, const void *b);
/* The listing of ROOT (main.c's comment says its form). */
void listing(struct buf *out);

/* ---- args.c ---------------------------------------------------------------- */

int tokenize(const char *r, char *store, char **tok, size_t *toklen, int max);
struct args {
    int n;
    char *v[MAXTOK];
    size_t len[MAXTOK];
};
char *data_of(struct args *a, int i, size_t *len);
mode_t mode_of(struct args *a, int i, mode_t dflt);
long num_of(struct args *a, int i, long dflt);
const char *target_of(const char *t);
/* named fds: open H PATH FLAGS */
struct handle {
    char name[32];
    int fd;
    void *map;
    size_t maplen;
};
struct handle *handle(const char *name, int create);
/* Where a path argument points: "H:rel" is relative to the directory fd of
 * handle H (the *at() calls), "./x" and "../x" to the current directory,
 * anything else to ROOT. */
struct loc {
    int dirfd;
    const char *path;
};
struct loc locate(const char *arg);
const char *xpath(const char *arg);
int parse_flags(const char *s);

/* ---- result.c -------------------------------------------------------------- */

extern struct buf res; /* the result of one operation: "ok ..." or ERRNO */

#define FAIL() do { bprintf(&res, "%s", errname(errno)); return; } while (0)
#define CHK(x) do { if ((x) < 0) FAIL(); } while (0)

void ok(void);
void show_bytes(const unsigned char *p, size_t n);
int read_all(int fd, unsigned char **out, size_t *len, int pread_from_0);
void show_stat(const struct stat *st);
/* st_ino labels: i1, i2, ... in order of first appearance in this run */
int ino_label(ino_t i);

/* ---- mv.c ------------------------------------------------------------------ */

void do_rename(struct loc la, struct loc lb, unsigned flags);

/* ---- ops.c ----------------------------------------------------------------- */

void run_op(struct args *a);

#endif
