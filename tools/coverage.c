/* unionenv-coverage: does the preload see every libc entry point that can
 * touch a path?
 *
 * Reads the dynamic symbol tables (with their versions) of the machine's
 * libc.so.6, libdl, libpthread, librt and libutil, classifies every
 * exported function with tools/path-functions.txt (compiled in), and
 * reports each path function as wrapped (preload/wrappers.def), not
 * wrapped with its reason (preload/unwrapped.def), or missing.  A function
 * whose name looks path-related but that the classification does not
 * know is "unclassified".  Both tables are compiled in from the same
 * X-macro files the library is built from, so this checks exactly what
 * was built.
 *
 * Exit: 0 all covered, 1 something missing, unclassified or
 * contradictory, 125 usage or unreadable library. */
#include "elfscan.h"

#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EX_USAGE 125

/* ---- the two tables of preload/ ---------------------------------------- */

struct wrapped { const char *name, *kind; };
static const struct wrapped wrapped[] = {
#define COMMA ,
#define W(ret, name, params, args, call, kind) { #name, #kind },
#define W_PTR(ret, name, params, args, call, kind) { #name, #kind },
#define W_VOID(name, params, args, call, kind) { #name, #kind },
#define W_OPEN(name, dirparam, dirarg, call, kind) { #name, #kind },
#define W_CUSTOM(name, kind) { #name, #kind },
#define W_FD(ret, name, params, args, fd, kind) { #name, #kind },
#include "wrappers.def"
#undef W
#undef W_PTR
#undef W_VOID
#undef W_OPEN
#undef W_CUSTOM
#undef W_FD
};
#define NWRAPPED (sizeof wrapped / sizeof *wrapped)

struct unwrapped { const char *name, *reason; int like; int used; };
static struct unwrapped unwrapped[] = {
#define U(name, reason) { #name, reason, 0, 0 },
#define U_LIKE(pattern, reason) { pattern, reason, 1, 0 },
#include "unwrapped.def"
#undef U
#undef U_LIKE
};
#define NUNWRAPPED (sizeof unwrapped / sizeof *unwrapped)

/* tools/path-functions.txt, built in (see tools/coverage.mk). */
__asm__(".section .rodata\n"
        ".global ue_pathfn_text\n"
        "ue_pathfn_text:\n"
        ".incbin \"" UE_PATHFN_FILE "\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char ue_pathfn_text[];

/* ---- the classification ------------------------------------------------ */

enum cls { C_NONE, C_PATH, C_NOTPATH };

struct group { const char *title; enum cls cls; };
struct entry { const char *pat; int group; int like; int used; };

static struct group *groups;
static int ngroups;
static struct entry *entries;
static int nentries;
static const char **keywords;
static int nkeywords;

/* Room for element n of an array that grows one element at a time. */
static void *grow(void *p, int n, size_t size)
{
	size_t cap;
	if (n == 0)
		cap = 16;
	else if (n >= 16 && (n & (n - 1)) == 0)
		cap = (size_t)n * 2;
	else
		return p;
	p = realloc(p, cap * size);
	if (!p) {
		perror("unionenv-coverage");
		exit(EX_USAGE);
	}
	return p;
}

static int parse_classification(char *text, const char *file)
{
	char *line, *next;
	int lineno = 0, section = -2;   /* -2 none yet, -1 keywords, else group */
	for (line = text; line; line = next) {
		char *hash, *tok, *save;
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		line += strspn(line, " \t\r");
		if (!*line)
			continue;
		if (*line == '[') {
			char *end = strchr(line, ']');
			if (!end) {
				fprintf(stderr, "%s:%d: unclosed '['\n", file, lineno);
				return -1;
			}
			*end = '\0';
			line++;
			if (strcmp(line, "keywords") == 0) {
				section = -1;
				continue;
			}
			groups = grow(groups, ngroups, sizeof *groups);
			if (strncmp(line, "path:", 5) == 0)
				groups[ngroups].cls = C_PATH, line += 5;
			else if (strncmp(line, "not-path:", 9) == 0)
				groups[ngroups].cls = C_NOTPATH, line += 9;
			else {
				fprintf(stderr, "%s:%d: unknown section [%s]\n", file, lineno, line);
				return -1;
			}
			groups[ngroups].title = line + strspn(line, " \t");
			section = ngroups++;
			continue;
		}
		if (section == -2) {
			fprintf(stderr, "%s:%d: a name before any [section]\n", file, lineno);
			return -1;
		}
		for (tok = strtok_r(line, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
			if (section == -1) {
				keywords = grow(keywords, nkeywords, sizeof *keywords);
				keywords[nkeywords++] = tok;
				continue;
			}
			entries = grow(entries, nentries, sizeof *entries);
			entries[nentries].pat = tok;
			entries[nentries].group = section;
			entries[nentries].like = strpbrk(tok, "*?[") != NULL;
			entries[nentries].used = 0;
			nentries++;
		}
	}
	return 0;
}

/* ---- the symbols --------------------------------------------------------- */

struct sym { char *name, *version; int hidden; int lib; };
static struct sym *syms;
static int nsyms;

static const char *lib_names[8];
static const char *lib_paths[8];
static int nlibs;

struct fn {
	const char *name;
	int first, count;       /* its symbols: syms[first..first+count) */
	enum cls cls;
	int group;              /* -1: not in tools/path-functions.txt */
	const char *status;     /* wrapped, not-wrapped, missing, unclassified, conflict */
	const char *note;       /* kind, reason, keyword or contradiction */
	char notebuf[160];
};
static struct fn *fns;
static int nfns;

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

static int by_name(const void *a, const void *b)
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
static const char *find_lib(const char *soname)
{
	struct link_map *lm = NULL;
	void *h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
	if (!h || dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm || !lm->l_name || !*lm->l_name)
		return NULL;
	return strdup(lm->l_name);    /* h stays open: the name lives in it */
}

static int read_lib(const char *path, const char *shown)
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

/* ---- classification of one function -------------------------------------- */

static const struct wrapped *find_wrapped(const char *name)
{
	for (size_t i = 0; i < NWRAPPED; i++)
		if (strcmp(wrapped[i].name, name) == 0)
			return &wrapped[i];
	return NULL;
}

static struct unwrapped *find_unwrapped(const char *name, int like)
{
	for (size_t i = 0; i < NUNWRAPPED; i++)
		if (unwrapped[i].like == like &&
		    (like ? fnmatch(unwrapped[i].name, name, 0) == 0 : strcmp(unwrapped[i].name, name) == 0))
			return &unwrapped[i];
	return NULL;
}

static const char *keyword_of(const char *name)
{
	for (int i = 0; i < nkeywords; i++)
		if (strstr(name, keywords[i]))
			return keywords[i];
	return NULL;
}

static void set(struct fn *f, const char *status, const char *fmt, const char *a, const char *b)
{
	f->status = status;
	snprintf(f->notebuf, sizeof f->notebuf, fmt, a, b);
	f->note = f->notebuf;
}

static void classify(struct fn *f)
{
	int exact[3] = { -1, -1, -1 }, like[3] = { -1, -1, -1 };
	const struct wrapped *w = find_wrapped(f->name);
	struct unwrapped *u = find_unwrapped(f->name, 0), *ul = find_unwrapped(f->name, 1);
	const char *kw;

	for (int i = 0; i < nentries; i++) {
		struct entry *e = &entries[i];
		enum cls c = groups[e->group].cls;
		if (e->like ? fnmatch(e->pat, f->name, 0) != 0 : strcmp(e->pat, f->name) != 0)
			continue;
		e->used = 1;
		int *slot = e->like ? &like[c] : &exact[c];
		if (*slot < 0)
			*slot = e->group;
	}
	f->group = -1;
	f->cls = C_NONE;
	if (exact[C_PATH] >= 0 && exact[C_NOTPATH] >= 0) {
		set(f, "conflict", "listed both as a path and not a path in tools/path-functions.txt", "", "");
		return;
	}
	if (exact[C_PATH] >= 0 || exact[C_NOTPATH] >= 0) {
		f->cls = exact[C_PATH] >= 0 ? C_PATH : C_NOTPATH;
		f->group = exact[f->cls];
	} else if (like[C_PATH] >= 0 && like[C_NOTPATH] >= 0) {
		set(f, "conflict", "matches patterns of both a path and a not-path group in tools/path-functions.txt", "", "");
		return;
	} else if (like[C_PATH] >= 0 || like[C_NOTPATH] >= 0) {
		f->cls = like[C_PATH] >= 0 ? C_PATH : C_NOTPATH;
		f->group = like[f->cls];
	}
	if (w || u) {
		const char *table = w ? "preload/wrappers.def" : "preload/unwrapped.def";
		if (w && u) {
			set(f, "conflict", "both wrapped and listed in preload/unwrapped.def", "", "");
			return;
		}
		if (f->cls == C_NOTPATH) {
			set(f, "conflict", "in %s, but tools/path-functions.txt says it is not a path function (%s)",
			    table, groups[f->group].title);
			return;
		}
		f->cls = C_PATH;
	}
	if (u)
		u->used = 1;
	if (f->cls == C_PATH) {
		if (w) {
			f->status = "wrapped";
			f->note = w->kind;
		} else if (u || ul) {
			f->status = "not-wrapped";
			f->note = (u ? u : ul)->reason;
			if (!u)
				ul->used = 1;
		} else {
			f->status = "missing";
			f->note = "";
		}
	} else if (f->cls == C_NONE && (kw = keyword_of(f->name))) {
		set(f, "unclassified", "its name holds \"%s\": add it to tools/path-functions.txt", kw, "");
	}
}

/* "@@GLIBC_2.3 @GLIBC_2.2.5", with the library when it is not the first. */
static void versions(const struct fn *f, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (int i = f->first; i < f->first + f->count && n < size; i++) {
		const struct sym *s = &syms[i];
		n += snprintf(out + n, size - n, "%s%s%s%s%s%s", n ? " " : "",
		              s->version ? (s->hidden ? "@" : "@@") : "", s->version ? s->version : "(unversioned)",
		              s->lib ? "(" : "", s->lib ? lib_names[s->lib] : "", s->lib ? ")" : "");
	}
}

static int compat_only(const struct fn *f)
{
	for (int i = f->first; i < f->first + f->count; i++)
		if (!syms[i].hidden)
			return 0;
	return 1;
}

static int is_private(const struct fn *f)
{
	for (int i = f->first; i < f->first + f->count; i++)
		if (!syms[i].version || strcmp(syms[i].version, "GLIBC_PRIVATE") != 0)
			return 0;
	return 1;
}

/* ---- output ---------------------------------------------------------------- */

struct totals { int pub, priv, path, wrapped, unwrapped, missing, unclassified, conflict; };

static void count(struct totals *t)
{
	memset(t, 0, sizeof *t);
	t->pub = nfns;
	for (int i = 0; i < nfns; i++) {
		const char *s = fns[i].status;
		if (!s)
			continue;
		if (strcmp(s, "unclassified") == 0)
			t->unclassified++;
		else if (strcmp(s, "conflict") == 0)
			t->conflict++;
		else {
			t->path++;
			if (strcmp(s, "wrapped") == 0)
				t->wrapped++;
			else if (strcmp(s, "missing") == 0)
				t->missing++;
			else
				t->unwrapped++;
		}
	}
}

static void report_text(const struct totals *t, int quiet, int verbose)
{
	char v[512];
	for (int i = 0; i < nfns; i++) {
		const struct fn *f = &fns[i];
		if (!f->status)
			continue;
		if (quiet && (strcmp(f->status, "wrapped") == 0 || strcmp(f->status, "not-wrapped") == 0))
			continue;
		versions(f, v, sizeof v);
		printf("%-12s %-32s %-30s %s%s\n", f->status, f->name, v, f->note,
		       compat_only(f) ? (*f->note ? " (compat only)" : "(compat only)") : "");
	}
	if (verbose) {
		for (size_t i = 0; i < NUNWRAPPED; i++)
			if (!unwrapped[i].used)
				printf("note: preload/unwrapped.def: %s%s matches no path function of this libc\n",
				       unwrapped[i].like ? "pattern " : "", unwrapped[i].name);
		for (size_t i = 0; i < NWRAPPED; i++) {
			int found = 0;
			for (int j = 0; j < nfns && !found; j++)
				found = strcmp(fns[j].name, wrapped[i].name) == 0;
			if (!found)
				printf("note: preload/wrappers.def: %s is not exported by this libc\n", wrapped[i].name);
		}
		for (int i = 0; i < nentries; i++)
			if (!entries[i].used)
				printf("note: tools/path-functions.txt: %s matches nothing in this libc\n", entries[i].pat);
	}
	printf("%s (glibc %s): %d public functions (%d GLIBC_PRIVATE left out), %d path functions: "
	       "%d wrapped, %d not wrapped, %d missing; %d unclassified, %d conflicts\n",
	       lib_paths[0], gnu_get_libc_version(), t->pub, t->priv, t->path, t->wrapped, t->unwrapped,
	       t->missing, t->unclassified, t->conflict);
}

static void report_markdown(const struct totals *t)
{
	char v[512];
	printf("# Which libc functions unionenv follows\n\n"
	       "Generated by `make coverage-doc` (`build/unionenv-coverage --markdown`) from\n"
	       "`preload/wrappers.def`, `preload/unwrapped.def` and `tools/path-functions.txt`\n"
	       "(do not edit by hand), on:\n\n"
	       "    glibc %s %s\n\n",
	       gnu_get_libc_version(), lib_paths[0]);
	printf("Every exported libc function that can touch a path is listed, with its\n"
	       "symbol versions (`@@` the default one, `@` a compat one that only old\n"
	       "binaries use).  **wrapped**: the preload sees the call and resolves its\n"
	       "paths in the union (the note says what the call does there: read,\n"
	       "create, change, remove, dir, cwd, exec); **not wrapped**: deliberately,\n"
	       "for the reason given (preload/unwrapped.def); **missing**: a call that\n"
	       "escapes the union for now.\n\n");
	printf("%d path functions: %d wrapped, %d not wrapped, %d missing.\n", t->path, t->wrapped,
	       t->unwrapped, t->missing);
	for (int g = -1; g < ngroups; g++) {
		int shown = 0;
		if (g >= 0 && groups[g].cls != C_PATH)
			continue;
		for (int i = 0; i < nfns; i++) {
			const struct fn *f = &fns[i];
			if (!f->status || f->group != g || f->cls != C_PATH)
				continue;
			if (!shown++)
				printf("\n## %s\n\n| function | status | versions | note |\n|---|---|---|---|\n",
				       g >= 0 ? groups[g].title : "Wrapped, not in tools/path-functions.txt");
			versions(f, v, sizeof v);
			printf("| `%s` | %s | `%s` | %s |\n", f->name,
			       strcmp(f->status, "not-wrapped") == 0 ? "not wrapped" : f->status, v, f->note);
		}
	}
}

static void usage(FILE *out)
{
	fputs("Usage: unionenv-coverage [--markdown | --missing] [-q] [-v] [--data FILE] [--lib PATH]...\n"
	      "\n"
	      "Check that every exported libc function that can touch a path is wrapped\n"
	      "by the preload (preload/wrappers.def) or deliberately not wrapped, with a\n"
	      "reason (preload/unwrapped.def).  One line per path function:\n"
	      "  STATUS NAME VERSIONS NOTE   (STATUS: wrapped, not-wrapped, missing,\n"
	      "                               unclassified, conflict)\n"
	      "then the totals.\n"
	      "\n"
	      "  --markdown   the list as Markdown, grouped (docs/coverage.md)\n"
	      "  --missing    only the names of the missing functions\n"
	      "  -q           only the problems and the totals\n"
	      "  -v           also notes on table entries that match nothing here\n"
	      "  --data FILE  classify with FILE instead of the built-in\n"
	      "               tools/path-functions.txt\n"
	      "  --lib PATH   read PATH instead of the machine's libc, libdl, libpthread,\n"
	      "               librt and libutil (repeatable)\n"
	      "\n"
	      "Exit status: 0 covered, 1 missing, unclassified or conflicting entries\n"
	      "(--markdown and --missing: 0), 125 usage error or unreadable library.\n", out);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL, *p;
	size_t n = 0, cap = 0, r;
	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			if (!(p = realloc(buf, cap))) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	int markdown = 0, missing_only = 0, quiet = 0, verbose = 0;
	const char *data = NULL, *given[8];
	int ngiven = 0;
	char *text;
	struct totals t;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--markdown") == 0)
			markdown = 1;
		else if (strcmp(a, "--missing") == 0)
			missing_only = 1;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			quiet = 1;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			verbose = 1;
		else if ((strcmp(a, "--data") == 0 || strcmp(a, "--lib") == 0) && i + 1 < argc) {
			if (a[2] == 'd')
				data = argv[++i];
			else if (ngiven < 8)
				given[ngiven++] = argv[++i];
			else {
				fprintf(stderr, "unionenv-coverage: at most 8 --lib\n");
				return EX_USAGE;
			}
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "unionenv-coverage: unknown argument '%s' (see --help)\n", a);
			return EX_USAGE;
		}
	}
	if (markdown && missing_only) {
		fprintf(stderr, "unionenv-coverage: --markdown and --missing exclude each other\n");
		return EX_USAGE;
	}

	text = data ? slurp(data) : strdup(ue_pathfn_text);
	if (!text) {
		fprintf(stderr, "unionenv-coverage: %s: %s\n", data ? data : "built-in data", strerror(errno));
		return EX_USAGE;
	}
	if (parse_classification(text, data ? data : UE_PATHFN_FILE) < 0)
		return EX_USAGE;

	if (ngiven) {
		for (int i = 0; i < ngiven; i++)
			if (read_lib(given[i], given[i]) < 0)
				return EX_USAGE;
	} else {
		static const char *const sonames[] = {
			"libc.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libutil.so.1",
		};
		for (size_t i = 0; i < sizeof sonames / sizeof *sonames; i++) {
			const char *p = find_lib(sonames[i]);
			if (!p) {
				if (i == 0) {
					fprintf(stderr, "unionenv-coverage: cannot find libc.so.6: %s\n", dlerror());
					return EX_USAGE;
				}
				continue;       /* gone in this glibc: nothing to check */
			}
			if (read_lib(p, sonames[i]) < 0)
				return EX_USAGE;
		}
	}

	qsort(syms, (size_t)nsyms, sizeof *syms, by_name);
	/* Allocated once: a function's note may point into its own entry. */
	fns = calloc((size_t)nsyms + 1, sizeof *fns);
	if (!fns) {
		perror("unionenv-coverage");
		return EX_USAGE;
	}
	int priv = 0;
	for (int i = 0; i < nsyms;) {
		int j = i + 1;
		while (j < nsyms && strcmp(syms[j].name, syms[i].name) == 0)
			j++;
		memset(&fns[nfns], 0, sizeof *fns);
		fns[nfns].name = syms[i].name;
		fns[nfns].first = i;
		fns[nfns].count = j - i;
		if (is_private(&fns[nfns]))
			priv++;       /* glibc's own internals: no program links them */
		else
			classify(&fns[nfns++]);
		i = j;
	}
	count(&t);
	t.priv = priv;

	if (missing_only) {
		for (int i = 0; i < nfns; i++)
			if (fns[i].status && strcmp(fns[i].status, "missing") == 0)
				puts(fns[i].name);
	} else if (markdown) {
		report_markdown(&t);
	} else {
		report_text(&t, quiet, verbose);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("unionenv-coverage: stdout");
		return EX_USAGE;
	}
	if (markdown || missing_only)
		return 0;       /* lists, not the check */
	return t.missing || t.unclassified || t.conflict ? 1 : 0;
}
