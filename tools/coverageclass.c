/* unionenv-coverage: tools/path-functions.txt parsed into groups,
 * patterns and keywords (coverage.h). */
#include "coverage.h"

#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the classification ------------------------------------------------ */

struct group *groups;
int ngroups;
struct entry *entries;
int nentries;
const char **keywords;
int nkeywords;

/* Room for element n of an array that grows one element at a time. */
void *grow(void *p, int n, size_t size)
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

int parse_classification(char *text, const char *file)
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
