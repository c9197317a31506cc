/* Small helpers of the launcher: its one way to refuse, and the path
 * arithmetic its checks need (launcher.h). */
#include "launcher.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void die(const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	/* One line only, whatever the path holds: a newline in a name would
	 * otherwise split the message. */
	fputs("unionenv: ", stderr);
	for (const char *s = msg ? msg : "out of memory"; *s; s++) {
		if (*s == '\n')
			fputs("\\n", stderr);
		else
			fputc(*s, stderr);
	}
	fputc('\n', stderr);
	exit(EX_OWN);
}

char *canon_existing(const char *path)
{
	return *path ? realpath(path, NULL) : NULL;
}

/* Drop the last component of the canonical path in buf ("" stands for /). */
static void drop_last(char *buf)
{
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
}

/* As realpath -m: symbolic links are followed as far as names exist, ".."
 * after a missing name is taken lexically. */
char *canon_missing(const char *path)
{
	char res[PATH_MAX] = "", rest[2 * PATH_MAX], cand[PATH_MAX], target[PATH_MAX];
	int links = 0;
	if (!*path)
		return NULL;
	if (path[0] == '/') {
		if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
			return NULL;
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd) || snprintf(rest, sizeof rest, "%s/%s", cwd, path) >= (int)sizeof rest)
			return NULL;
	}
	char *p = rest;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len == 1 && p[0] == '.') {
			p = end;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			drop_last(res);
			p = end;
			continue;
		}
		if (snprintf(cand, sizeof cand, "%s/%.*s", res, (int)len, p) >= (int)sizeof cand)
			return NULL;
		p = end;
		struct stat st;
		if (lstat(cand, &st) != 0 || !S_ISLNK(st.st_mode)) {
			memcpy(res, cand, strlen(cand) + 1);
			continue;
		}
		ssize_t n = readlink(cand, target, sizeof target - 1);
		if (n < 0 || ++links > 40)
			return NULL;
		target[n] = '\0';
		/* The link's target takes the link's place in what is left. */
		char tail[2 * PATH_MAX];
		if (snprintf(tail, sizeof tail, "%s/%s", target, p) >= (int)sizeof rest)
			return NULL;
		memcpy(rest, tail, strlen(tail) + 1);
		p = rest;
		if (target[0] == '/')
			res[0] = '\0';
	}
	return strdup(res[0] ? res : "/");
}

int is_inside(const char *a, const char *b)
{
	size_t n = strlen(b);
	if (!strcmp(a, b) || !strcmp(b, "/"))
		return 1;
	return !strncmp(a, b, n) && a[n] == '/';
}

char *join_colon(char *const *items, int n)
{
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	char *out = malloc(len), *w = out;
	if (!out)
		die("out of memory");
	*w = '\0';
	for (int i = 0; i < n; i++)
		w += sprintf(w, "%s%s", i ? ":" : "", items[i]);
	return out;
}
