/* unionenv-coverage: one function classified against the tables and
 * tools/path-functions.txt (coverage.h). */
#include "coverage.h"

#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- classification of one function -------------------------------------- */

static const struct wrapped *find_wrapped(const char *name)
{
	for (size_t i = 0; i < n_wrapped; i++)
		if (strcmp(wrapped[i].name, name) == 0)
			return &wrapped[i];
	return NULL;
}

static struct unwrapped *find_unwrapped(const char *name, int like)
{
	for (size_t i = 0; i < n_unwrapped; i++)
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

void classify(struct fn *f)
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
void versions(const struct fn *f, char *out, size_t size)
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

int compat_only(const struct fn *f)
{
	for (int i = f->first; i < f->first + f->count; i++)
		if (!syms[i].hidden)
			return 0;
	return 1;
}

int is_private(const struct fn *f)
{
	for (int i = f->first; i < f->first + f->count; i++)
		if (!syms[i].version || strcmp(syms[i].version, "GLIBC_PRIVATE") != 0)
			return 0;
	return 1;
}
