#include "materialise.h"
#include "layer.h"
#include "config.h"
#include "copyup.h"
#include "layerpath.h"
#include "lookup.h"
#include "mark.h"
#include "path.h"
#include "redirect.h"
#include "markers.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct mctx {
	size_t changes;
	void (*note)(void *, const char *, const char *);
	void *ctx;
};

static void done(struct mctx *c, const char *rel, const char *what)
{
	c->changes++;
	if (c->note)
		c->note(c->ctx, rel, what);
}

static void must(int r, const char *rel, const char *what)
{
	if (r < 0)
		ue_die("%s: %s: %s", *rel ? rel : ".", what, strerror(-r));
}

/* A redirected directory: everything the lowers show through it comes up,
 * then nothing below is merged (opaque) and the redirect goes. */
static void dir_in_full(struct mctx *c, const char *rel, const char *real)
{
	struct ue_node n;
	must(ue_node_at(rel, &n), rel, "lookup");
	must(ue_copy_up_tree(&ue_self, rel, &n), rel, "copy-up of the redirected directory");
	/* Nothing merged below (the redirect named nothing there): the name
	 * must still not merge what the lowers hold at it. */
	char target[PATH_MAX];
	if (ue_redirect_read(real, target, sizeof target) > 0) {
		must(ue_set_opaque(real), rel, "opaque");
		must(ue_redirect_clear(real), rel, "removing the redirect");
	}
	done(c, rel, "redirect -> copied up, opaque");
}

static void file_data(struct mctx *c, const char *rel)
{
	struct ue_node n;
	must(ue_node_at(rel, &n), rel, "lookup");
	if (!n.data_layer)
		ue_die("%s: a metacopy file whose data no lower holds", rel);
	must(ue_copy_up(rel, &n, 0), rel, "copy-up of the data");
	done(c, rel, "metacopy -> data copied up");
}

static void walk(struct mctx *c, const char *rel)
{
	char real[PATH_MAX], child[PATH_MAX], creal[PATH_MAX], target[PATH_MAX];
	must(ue_real_path(real, sizeof real, UE_UPPER, rel), rel, "path");
	DIR *d = opendir(real);
	if (!d)
		ue_die("%s: %s", *rel ? rel : ".", strerror(errno));
	/* The names first: a copy-up below adds temporary names as it goes. */
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (*rel)
			must(ue_path_join(child, sizeof child, rel, names[i]), rel, "path");
		else if (strlen(names[i]) < sizeof child)
			strcpy(child, names[i]);
		must(ue_real_path(creal, sizeof creal, UE_UPPER, child), child, "path");
		if (lstat(creal, &st) < 0)
			continue;  /* a temporary name, gone */
		if (S_ISDIR(st.st_mode)) {
			if (ue_redirect_read(creal, target, sizeof target) > 0)
				dir_in_full(c, child, creal);
			walk(c, child);
		} else if (S_ISREG(st.st_mode) && ue_is_metacopy(creal)) {
			file_data(c, child);
		}
		free(names[i]);
	}
	free(names);
}

size_t materialise(const char *upper, const char *lowers,
                   void (*note)(void *ctx, const char *rel, const char *what), void *ctx)
{
	struct mctx c = { 0, note, ctx };
	int r = ue_config_load(lowers, upper, NULL);
	if (r < 0)
		ue_die("--lower '%s' --upper '%s': %s", lowers, upper, strerror(-r));
	walk(&c, "");
	return c.changes;
}
