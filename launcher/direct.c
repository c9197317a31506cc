/* Whether the launcher may exec COMMAND itself rather than through env.
 *
 * env, started under the preload, looks COMMAND up in union terms (its
 * execvp is the library's) and says 126 or 127 as the contract wants.
 * Where the union cannot change the answer, that costs a whole process
 * start for nothing: COMMAND is found (as execvp would) in a directory
 * that lies outside the mount and every layer, so the real file is the
 * one the union shows.  Anything else (a name under the mount, a relative
 * directory in PATH, a directory under the mount before the one that
 * holds it, nothing found) goes through env, unchanged. */
#include "launcher.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* DIR (absolute) lies in the union's reach: under the mount or a layer,
 * by its name or by what it resolves to. */
static int in_union(const struct launch_layers *l, const char *dir)
{
	char *real = realpath(dir, NULL);
	int in = 0;
	for (int i = -2; i < l->nlowers && !in; i++) {
		const char *d = i == -2 ? l->mount : i == -1 ? l->upper : l->lower[i];
		in = is_inside(dir, d) || (real && is_inside(real, d));
	}
	free(real);
	return in;
}

static int runnable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *direct_path(const struct launch_layers *l, const char *cmd)
{
	char *path;
	if (strchr(cmd, '/')) {
		if (cmd[0] != '/')
			return NULL;    /* relative to a cwd that may be in the union */
		char *dir = strndup(cmd, (size_t)(strrchr(cmd, '/') - cmd));
		int ok = !in_union(l, *dir ? dir : "/") && runnable(cmd);
		free(dir);
		return ok ? strdup(cmd) : NULL;
	}
	const char *list = getenv("PATH");
	if (!list)
		list = "/bin:/usr/bin";
	for (const char *p = list;; p++) {
		const char *end = strchrnul(p, ':');
		char *dir = strndup(p, (size_t)(end - p));
		if (dir[0] != '/' || in_union(l, dir)) {
			free(dir);
			return NULL;
		}
		int found = asprintf(&path, "%s/%s", dir, cmd) >= 0 && runnable(path);
		free(dir);
		if (found)
			return path;
		free(path);
		if (!*end)
			return NULL;
		p = end;
	}
}
