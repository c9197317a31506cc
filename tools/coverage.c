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
#include "coverage.h"

#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("Usage: unionenv-coverage [--markdown | --missing] [-q] [-v] [--data FILE] [--lib PATH]...\n"
	      "       unionenv-coverage --paths | --hand\n"
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
	      "  --paths      each wrapper with its path column (preload/args.h)\n"
	      "  --hand       the wrappers whose paths are resolved by hand (HAND),\n"
	      "               not from the table (tests/coverage-hand.expected)\n"
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

/* --paths, --hand: the table's path columns, no library read. */
static int print_paths(int hand_only)
{
	for (size_t i = 0; i < n_wrapped; i++) {
		if (!hand_only)
			printf("%-40s %s\n", wrapped[i].name, wrapped[i].paths);
		else if (strncmp(wrapped[i].paths, "HAND(", 5) == 0)
			printf("%s\n", wrapped[i].name);
	}
	return 0;
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
		else if (strcmp(a, "--paths") == 0 || strcmp(a, "--hand") == 0)
			return print_paths(a[2] == 'h');
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
