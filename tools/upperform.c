/* unionenv-upperform UPPER [auto|device|xattr|aufs]: the form of markers the
 * launcher tells the library to write in UPPER (UNIONENV_UPPER_FORMAT).
 *
 * auto: the form UPPER was written in, where it holds markers already and
 * its filesystem takes them; else the first form its filesystem takes, of
 * the kernel's char 0/0 whiteouts, its xattr whiteouts, aufs .wh. files
 * (a real probe: core/form.c, beside the upper where it can be).  A fallback form is said once, on stderr.
 * A named form is checked against the filesystem.  Prints the form's name;
 * status 1 (with one line on stderr) when UPPER cannot hold it. */
#include "config.h"
#include "form.h"
#include "whiteout.h"

#include <fts.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/xattr.h>

/* The form of the first marker found in the upper, or -1 for none. */
static int written_form(const char *upper)
{
	char *const roots[] = { (char *)upper, NULL };
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	FTSENT *e;
	int form = -1;
	if (!fts)
		return -1;
	while (form < 0 && (e = fts_read(fts))) {
		const struct stat *st = e->fts_statp;
		if (e->fts_level == 0 || e->fts_info == FTS_DP || !st)
			continue;
		if (!strncmp(e->fts_name, UE_AUFS_PREFIX, sizeof UE_AUFS_PREFIX - 1))
			form = UE_FORM_AUFS;
		else if (ue_is_whiteout(st))
			form = UE_FORM_DEVICE;
		else if (S_ISREG(st->st_mode) && st->st_size == 0 &&
		         (lgetxattr(e->fts_accpath, UE_XATTR_WHITEOUT, NULL, 0) >= 0 ||
		          lgetxattr(e->fts_accpath, "trusted.overlay.whiteout", NULL, 0) >= 0))
			form = UE_FORM_XATTR;
	}
	fts_close(fts);
	return form;
}

/* Where to probe: beside the upper, in its parent, when that is on the same
 * filesystem and writable, so that nothing happens in the upper at all (a
 * union running on it meanwhile would see its root's times move); else in
 * the upper itself, whose times the probe puts back. */
static const char *probe_dir(const char *upper)
{
	static char parent[4096];
	struct stat su, sp;
	snprintf(parent, sizeof parent, "%s", upper);
	const char *p = dirname(parent);
	if (stat(upper, &su) == 0 && stat(p, &sp) == 0 && su.st_dev == sp.st_dev && access(p, W_OK | X_OK) == 0)
		return p;
	return upper;
}

static const char *what(int form)
{
	return form == UE_FORM_XATTR ? "the kernel's xattr whiteouts (user.overlay.whiteout)"
	     : form == UE_FORM_AUFS ? "aufs/OCI markers (.wh.NAME, .wh..wh..opq)"
	     : "whiteout devices (char 0/0)";
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: unionenv-upperform UPPER [auto|device|xattr|aufs]\n");
		return 2;
	}
	const char *upper = argv[1], *asked = argc > 2 ? argv[2] : "auto";
	int named = strcmp(asked, "auto") ? ue_form_parse(asked) : -1;
	if (strcmp(asked, "auto") && named < 0) {
		fprintf(stderr, "unionenv: unknown upper format '%s' (auto, device, xattr, aufs)\n", asked);
		return 1;
	}
	int takes = ue_form_probe(probe_dir(upper));
	if (takes < 0)
		takes = ue_form_probe(upper);
	if (takes < 0) {
		fprintf(stderr, "unionenv: upper '%s' cannot be probed: %s\n", upper, strerror(-takes));
		return 1;
	}
	if (named >= 0) {
		/* Forms are ordered: a filesystem that takes one takes the later ones. */
		if (named < takes) {
			fprintf(stderr, "unionenv: upper '%s' cannot hold %s (its filesystem refuses them)\n", upper, what(named));
			return 1;
		}
		puts(ue_form_name(named));
		return 0;
	}
	int form = written_form(upper);
	if (form > takes) {
		fprintf(stderr, "unionenv: upper '%s' holds %s: writing that form\n", upper, what(form));
	} else {
		form = takes;
		if (form != UE_FORM_DEVICE)
			fprintf(stderr, "unionenv: upper '%s' cannot hold %s%s: writing %s\n", upper, what(UE_FORM_DEVICE),
			        form == UE_FORM_AUFS ? " nor user xattrs" : "", what(form));
	}
	puts(ue_form_name(form));
	return 0;
}
