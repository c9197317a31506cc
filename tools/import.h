/* unionenv import (import.c): what its files share.  nameset.c is a set of
 * names, importcheck.c checks each entry against those before it,
 * importwrite.c writes it into the upper. */
#ifndef UE_TOOLS_IMPORT_H
#define UE_TOOLS_IMPORT_H

#include "layer.h"
#include "tar.h"

#include <time.h>

struct nset {
	char **k;
	unsigned char *v;
	size_t cap, n;
};
/* The value byte of key (NULL when absent), added when `add`. */
unsigned char *nset_get(struct nset *s, const char *key, int add);
void nset_free(struct nset *s);

enum { T_NONE, T_DIR, T_FILE, T_LINK, T_OTHER, T_WH };

struct ictx {
	int root;              /* the upper's fd */
	int is_root;
	struct nset seen;      /* name -> T_* as the archive made it */
	struct nset made_wh;   /* whiteouts this import made */
	/* directories' metadata, applied once everything is in */
	struct dmeta {
		char *name;
		unsigned mode;
		uint64_t uid, gid;
		struct timespec t;
		struct xattrs x;
		int has_meta;
	} *dirs;
	size_t ndirs;
	/* the parent dir of the last entry, kept open */
	char *cache_name;
	int cache_fd;
	char *buf;
	int warned_xattr, warned_marker, warned_root_opq;
	uint64_t entries;
};

/* Check one entry against what the archive made before it; records it.
 * Returns an error message or NULL. */
const char *check_entry(struct ictx *c, struct tar_ent *e, char **why_name);
/* Write one entry into the upper (dies on failure). */
void apply_entry(struct ictx *c, struct tarr *t, struct tar_ent *e);
/* Directories' own metadata, last. */
void finish_dirs(struct ictx *c);

#endif
