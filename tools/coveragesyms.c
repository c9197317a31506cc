/* unionenv-coverage: the function symbols of the libraries, with their
 * versions (coverage.h). */
#include "coverage.h"

#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the symbols --------------------------------------------------------- */

struct sym *syms;
int nsyms;

const char *lib_names[8];
const char *lib_paths[8];
int nlibs;

struct fn *fns;
int nfns;

static int lib_index;

static int add_sym(void *ctx, const struct ue_elf_sym *s)
{
	(void)ctx;
	if (s->type != STT_FUNC && s->type != STT_GNU_IFUNC)
		return 0;
	syms = grow(syms, nsyms, sizeof *syms);
	syms[nsyms].name = strdup(s->name);
	syms[nsyms].version = s->version ? strdup(s->version) : NULL;
	syms[nsyms].hidden = s->hidden;
	syms[nsyms].lib = lib_index;
	if (!syms[nsyms].name || (s->version && !syms[nsyms].version)) {
		perror("unionenv-coverage");
		exit(EX_USAGE);
	}
	nsyms++;
	return 0;
}

int by_name(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->hidden != y->hidden)         /* the default version first */
		return x->hidden - y->hidden;
	return strcmp(x->version ? x->version : "", y->version ? y->version : "");
}

/* The path the dynamic loader gives SONAME for this program. */
const char *find_lib(const char *soname)
{
	struct link_map *lm = NULL;
	void *h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
	if (!h || dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm || !lm->l_name || !*lm->l_name)
		return NULL;
	return strdup(lm->l_name);    /* h stays open: the name lives in it */
}

int read_lib(const char *path, const char *shown)
{
	struct ue_elf e;
	int r = ue_elf_open(&e, path);
	if (r == 0) {
		lib_index = nlibs;
		r = ue_elf_dynsyms(&e, add_sym, NULL);
		ue_elf_close(&e);
	}
	if (r < 0) {
		fprintf(stderr, "unionenv-coverage: %s: %s\n", path,
		        r == -ENOEXEC ? "not an ELF shared library" : strerror(-r));
		return -1;
	}
	lib_names[nlibs] = shown;
	lib_paths[nlibs++] = path;
	return 0;
}
