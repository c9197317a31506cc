/* unionenv diff TREE1 TREE2 (treediff.c): the walk; the listings it reads
 * (treedifflist.c) and the operations it prints (treediffemit.c). */
#ifndef UE_TOOLS_TREEDIFF_H
#define UE_TOOLS_TREEDIFF_H

#include "layer.h"

#include <sys/stat.h>

/* The operations that turn tree t1 into t2, printed in format "text",
 * "json" or "sh" (content: compare the data of files too). */
int tree_diff(const char *t1, const char *t2, const char *format, int content);

enum { TF_TEXT, TF_JSON, TF_SH };
enum { M_MODE = 1, M_OWNER = 2, M_TIMES = 4, M_XATTRS = 8 };

struct tctx {
	int format, content, found;
	int dirty;   /* an entry of the current directory was added or removed */
	struct pbuf path;
	uid_t uid;
	gid_t gid;
};

/* ---- listings (treedifflist.c) --------------------------------------------- */

struct pent {
	char *name;
	unsigned char dt;
};
struct plist {
	struct pent *e;
	size_t n;
};
/* The names of directory fd, sorted; dies when it cannot be read. */
void plist_read(struct tctx *c, int fd, struct plist *l);
void plist_free(struct plist *l);
struct pent *plist_find(struct plist *l, const char *name);

/* ---- operations (treediffemit.c) ------------------------------------------- */

/* The current path, "." for the root. */
const char *shown_path(struct tctx *c);
void op_unlink(struct tctx *c, int isdir);
/* Remove entry name of dir fd (path c->path), a directory with all inside. */
void remove_tree(struct tctx *c, int fd, const char *name, unsigned char dt);
/* Metadata of entry n1 of fd1 vs n2 of fd2 (a NULL name: the fd itself;
 * s1 NULL: a new entry): emits the "meta" operation for the bits in `want`
 * plus those that differ. */
void op_meta(struct tctx *c, int fd2, const char *n2, const struct stat *s2,
             int fd1, const char *n1, const struct stat *s1, int want);
void op_create(struct tctx *c);
void op_link(struct tctx *c, const char *leader);
void op_symlink(struct tctx *c, const char *target);
void op_mkdir(struct tctx *c);
void op_mknod(struct tctx *c, const struct stat *st);

#endif
