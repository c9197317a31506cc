/* Shared pieces of the layer tools (diff, export, import, commit, convert,
 * fsck): error reporting, directory listings of one layer with the overlay
 * markers decoded (every form the kernel, aufs/OCI and fuse-overlayfs
 * write), the merge of lower layers at one path, paths, xattrs.
 *
 * The tools read layers on disk; no preload is involved.  They walk with
 * directory fds (openat, getdents64, fstatat), never by re-resolving whole
 * paths, and print paths built along the way.  Functions return 0 or
 * -errno unless said otherwise; the x* helpers exit on failure.
 *
 * One file per section: toolerr.c (errors, allocation, options), pathbuf.c,
 * layerdir.c (markers, listings), layerxattr.c, owner.c, lowers.c, and
 * files.c and quote.c (misc). */
#ifndef UE_TOOLS_LAYER_H
#define UE_TOOLS_LAYER_H

#include "jsonstr.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "markers.h"

/* Exit statuses shared by every tool (see the man pages). */
#define EX_OK     0
#define EX_DIFF   1     /* diff: differences; fsck: problems remain */
#define EX_OWN    125   /* our own error: bad usage, bad input, I/O */

/* ---- errors ------------------------------------------------------------ */

extern const char *ue_prog;      /* "unionenv diff", set by main */

/* One line on stderr, "unionenv NAME: message"; newlines in the message are
 * shown as \n so that the error stays one line. */
void ue_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void ue_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For usage errors: the message, then "(see --help)". */
_Noreturn void ue_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Raise the open-file limit to its hard maximum: a walk keeps one fd per
 * level and layer open. */
void ue_raise_nofile(void);

/* ---- growable path buffer ---------------------------------------------- */

struct pbuf {
	char *s;
	size_t len, cap;
};
void pb_init(struct pbuf *p, const char *s);
/* Append "/name" (or "name" when empty); returns the old length for pb_pop. */
size_t pb_push(struct pbuf *p, const char *name);
void pb_pop(struct pbuf *p, size_t oldlen);
void pb_free(struct pbuf *p);

/* ---- markers ----------------------------------------------------------- */

/* The names and their readers are the core's (core/markers.h); here, the
 * forms of markers as bits (struct ldir.forms), finer than the core's
 * union view: fsck and convert report and rewrite each form. */
enum {
	F_WH_CHR      = 1 << 0,   /* whiteout: char device 0/0 */
	F_WH_XATTR    = 1 << 1,   /* whiteout: empty file + overlay.whiteout */
	F_WH_AUFS     = 1 << 2,   /* whiteout: .wh.NAME */
	F_OPQ_USER    = 1 << 3,   /* opaque: user.overlay.opaque=y */
	F_OPQ_TRUSTED = 1 << 4,   /* opaque: trusted.overlay.opaque=y */
	F_OPQ_FUSE    = 1 << 5,   /* opaque: user.fuseoverlayfs.opaque=y */
	F_OPQ_AUFS    = 1 << 6,   /* opaque: .wh..wh..opq */
	F_REDIRECT    = 1 << 7,   /* overlay.redirect on the directory */
	F_XWH_PARENT  = 1 << 8,   /* dir marked as holding xattr whiteouts */
};
#define F_OPAQUE (F_OPQ_USER | F_OPQ_TRUSTED | F_OPQ_FUSE | F_OPQ_AUFS)

enum { K_REAL, K_WHITEOUT };

/* One logical entry of a layer directory.  A whiteout in the aufs form
 * (".wh.NAME") is listed under NAME with form F_WH_AUFS; raw is then the
 * name on disk. */
struct lent {
	char *name;
	char *raw;              /* name on disk (== name unless aufs form) */
	unsigned char dtype;    /* DT_* of the entry on disk */
	unsigned char kind;     /* K_REAL or K_WHITEOUT */
	unsigned short form;    /* F_WH_* of a whiteout */
	unsigned char dup;      /* both NAME and .wh.NAME exist (fsck) */
	uint64_t ino;           /* d_ino, as the listing gave it */
};

/* One directory of one layer. */
struct ldir {
	struct lent *e;         /* sorted by name (strcmp) */
	size_t n;
	unsigned forms;         /* markers seen: F_* bits */
	int opaque;             /* any opaque form */
	char **tmp;             /* names starting with UE_TMP_PREFIX */
	size_t ntmp;
	char *redirect;         /* value of overlay.redirect, or NULL */
};

/* List dir fd dfd (not consumed) with markers decoded.  The entries
 * ".", "..", ".wh..wh..opq" and temp names are not in e[]. */
int ldir_read(int dfd, struct ldir *d);
void ldir_free(struct ldir *d);
struct lent *ldir_find(const struct ldir *d, const char *name);

/* Whether the directory fd carries an opaque marker in xattr form, as F_*
 * bits; and its redirect xattr (malloc'd) when redir is not NULL. */
unsigned dir_xattr_forms(int dfd, char **redir);

/* "/proc/self/fd/DFD/NAME" in a static buffer: a path for the l*xattr
 * calls that reaches an entry through its directory fd. */
const char *fdpath(int dfd, const char *name);

/* ---- xattrs ------------------------------------------------------------ */

struct xattr {
	char *name;
	char *value;
	size_t len;
};
struct xattrs {
	struct xattr *v;   /* sorted by name */
	size_t n;
};
/* The xattrs of entry NAME of dir DFD (NAME NULL: of DFD itself), sorted,
 * without the overlay markers when skip_markers. */
int xattrs_get(int dfd, const char *name, struct xattrs *x, int skip_markers);
/* l{list,get}xattr of entry NAME of dir DFD (NULL: of DFD itself). */
ssize_t xa_list(int dfd, const char *name, char *buf, size_t size);
ssize_t xa_get(int dfd, const char *name, const char *attr, void *buf, size_t size);
void xattrs_free(struct xattrs *x);
int xattrs_equal(const struct xattrs *a, const struct xattrs *b);

/* ---- owners an ordinary user's copy-up recorded (core/override.h) ------- */

/* fstatat (not followed) of entry NAME of dir DFD (NULL: DFD itself), with
 * the recorded owner and mode in place of the real ones. */
int fstatat_shown(int dfd, const char *name, struct stat *st);
/* Give entry NAME of DFD the owner of want.  Where that is not permitted
 * (an ordinary user), record it as a copy-up does, so that the layer keeps
 * it; where it is, drop any record.  0, or -errno of the chown. */
int put_owner(int dfd, const char *name, const struct stat *want);

/* ---- lowers ------------------------------------------------------------- */

/* The lower layers at one path, highest first, cut below the first opaque
 * one, as the kernel's lookup does. */
struct mdir {
	int n;
	int *fd;
	struct ldir *l;
};
/* Parse "A:B:C" and open each as a directory; dies with a clear message. */
void mdir_open_roots(struct mdir *m, const char *lowers);
void mdir_free(struct mdir *m);   /* closes the fds */
/* The visible entry NAME: the layer index and the entry, or -1. */
int mdir_lookup(const struct mdir *m, const char *name, struct lent **e);
/* The lowers at the child directory NAME (empty when NAME is not a visible
 * directory).  Returns 0 or -errno. */
int mdir_child(const struct mdir *m, const char *name, struct mdir *out);
/* Every visible name, sorted (pointers into m's listings; free the array
 * only). */
size_t mdir_names(const struct mdir *m, const char ***names);

/* ---- misc -------------------------------------------------------------- */

/* Remove dfd/name, a directory with everything in it. */
int rm_tree(int dfd, const char *name);
/* Open a directory for walking; -errno. */
int open_dir(int dfd, const char *name);
/* Compare the data of two open files of equal size: 1 equal, 0 not, -errno. */
int same_data(int fa, int fb);
/* Write s to f with C-style escapes for control bytes and backslash. */
void put_escaped(FILE *f, const char *s);
/* Write s to f as one shell word ('...'). */
void put_shell(FILE *f, const char *s);
/* Parse a colon-free path option; dies when empty. */
const char *need_arg(const char *opt, const char *val);

#endif
