/* unionenv-coverage (coverage.c): what its files share.  coveragetables.c
 * holds preload/'s two tables and tools/path-functions.txt, compiled in;
 * coverageclass.c parses the classification, coveragesyms.c reads the
 * libraries' symbols, coverageclassify.c classifies one function,
 * coveragereport.c prints the list. */
#ifndef UE_TOOLS_COVERAGE_H
#define UE_TOOLS_COVERAGE_H

#include "elfscan.h"

#include <stddef.h>

#define EX_USAGE 125

/* ---- the two tables of preload/ (coveragetables.c) ---------------------- */

/* paths: the row's path column (preload/args.h), as written. */
struct wrapped { const char *name, *kind, *paths; };
extern const struct wrapped wrapped[];
extern const size_t n_wrapped;
struct unwrapped { const char *name, *reason; int like; int used; };
extern struct unwrapped unwrapped[];
extern const size_t n_unwrapped;
/* tools/path-functions.txt, NUL-terminated. */
extern const char ue_pathfn_text[];

/* ---- the classification (coverageclass.c) ------------------------------- */

enum cls { C_NONE, C_PATH, C_NOTPATH };

struct group { const char *title; enum cls cls; };
struct entry { const char *pat; int group; int like; int used; };

extern struct group *groups;
extern int ngroups;
extern struct entry *entries;
extern int nentries;
extern const char **keywords;
extern int nkeywords;

/* Room for element n of an array that grows one element at a time. */
void *grow(void *p, int n, size_t size);
/* Parse the text of tools/path-functions.txt (changed in place) into the
 * arrays above; -1 with a message naming file on stderr. */
int parse_classification(char *text, const char *file);

/* ---- the symbols (coveragesyms.c) --------------------------------------- */

struct sym { char *name, *version; int hidden; int lib; };
extern struct sym *syms;
extern int nsyms;

extern const char *lib_names[8];
extern const char *lib_paths[8];
extern int nlibs;

struct fn {
	const char *name;
	int first, count;       /* its symbols: syms[first..first+count) */
	enum cls cls;
	int group;              /* -1: not in tools/path-functions.txt */
	const char *status;     /* wrapped, not-wrapped, missing, unclassified, conflict */
	const char *note;       /* kind, reason, keyword or contradiction */
	char notebuf[160];
};
extern struct fn *fns;
extern int nfns;

/* Order of syms: by name, the default version first. */
int by_name(const void *a, const void *b);
/* The path the dynamic loader gives SONAME for this program. */
const char *find_lib(const char *soname);
/* Add the function symbols of the library at path to syms; -1 with a
 * message on stderr. */
int read_lib(const char *path, const char *shown);

/* ---- one function (coverageclassify.c) ---------------------------------- */

void classify(struct fn *f);
/* "@@GLIBC_2.3 @GLIBC_2.2.5", with the library when it is not the first. */
void versions(const struct fn *f, char *out, size_t size);
int compat_only(const struct fn *f);
int is_private(const struct fn *f);

/* ---- output (coveragereport.c) ------------------------------------------ */

struct totals { int pub, priv, path, wrapped, unwrapped, missing, unclassified, conflict; };
void count(struct totals *t);
void report_text(const struct totals *t, int quiet, int verbose);
void report_markdown(const struct totals *t);

#endif
