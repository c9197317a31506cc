/* formpick: the form of markers the launcher tells the library to write in
 * an upper (UNIONENV_UPPER_FORMAT); see formpick.h.
 *
 * auto: the form UPPER was written in, where it holds markers already and
 * its filesystem takes them (as the last start recorded it on the upper's
 * root, or as a walk of the upper finds it); else the first form its
 * filesystem takes, of
 * the kernel's char 0/0 whiteouts, its xattr whiteouts, aufs .wh. files
 * (a real probe: core/form.c, beside the upper where it can be).  A fallback form is said once, on stderr.
 * A named form is checked against the filesystem. */
#include "formpick.h"
#include "config.h"
#include "form.h"
#include "markers.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/xattr.h>

/* Whether the directory at fd is marked as holding xattr whiteouts. */
static int holds_xwhiteouts(int fd)
{
	return (ue_dir_xattrs(fd, NULL) & UE_DX_XWH_USER) != 0;
}

/* The form of the first marker found below the directory fd (closed
 * here), or -1 for none.  Types come from readdir, so a big upper costs a
 * listing of each directory, not a stat of each file. */
static int marker_below(int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int form = -1;
	if (!d) {
		close(fd);
		return -1;
	}
	while (form < 0 && (e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (ue_aufs_is_marker(e->d_name)) {
			form = UE_FORM_AUFS;
		} else if (e->d_type == DT_CHR || e->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && ue_is_whiteout(&st))
				form = UE_FORM_DEVICE;
		}
		if (form < 0 && depth < 256 && (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN)) {
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				form = holds_xwhiteouts(sub) ? (close(sub), UE_FORM_XATTR) : marker_below(sub, depth + 1);
		}
	}
	closedir(d);
	return form;
}

/* The form of the first marker found in the upper, or -1 for none. */
static int written_form(const char *upper)
{
	int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (holds_xwhiteouts(fd)) {
		close(fd);
		return UE_FORM_XATTR;
	}
	return marker_below(fd, 0);
}

/* The form the last start chose for this upper, recorded on its root:
 * every marker a union writes is of the form its start chose, so the
 * record stands for the walk above, which reads the whole upper when it
 * holds no marker (a build's output: every start of every union read all
 * of it).  Only `unionenv convert` writes another form: it drops the
 * record first and writes its own form once done.  -1: none. */
static int recorded_form(const char *upper)
{
	char v[16];
	ssize_t n = lgetxattr(upper, UE_OVL_USER(FORM), v, sizeof v - 1);
	if (n <= 0)
		return -1;
	v[n] = '\0';
	return ue_form_parse(v);
}

/* A filesystem without user xattrs keeps no record: its starts walk. */
static void record_form(const char *upper, int form, int recorded)
{
	const char *name = ue_form_name(form);
	if (form != recorded)
		lsetxattr(upper, UE_OVL_USER(FORM), name, strlen(name), 0);
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

/* The first form the upper's filesystem takes.  A probe in the upper
 * itself shows to a union running on it: its root's times move and an
 * entry comes and goes (the conformance harness's second process, started
 * beside the first, listed its root "changed").  There the form a first
 * start recorded answers for the filesystem, and the first starts take
 * turns under the probe's lock, each keeping it (*lk) until its own record
 * is made: no union runs on the upper during a probe in it.  The record
 * answers for a named form too, one no earlier than it (forms are
 * ordered: a filesystem that takes one takes the later ones); a named
 * form was probed at every start, beside the unions already running
 * (perm-search-procs [upper: xattr], one CI run in nine). */
static int probe(const char *upper, int named, int *lk)
{
	const char *dir = probe_dir(upper);
	if (dir != upper) {
		/* A parent that refuses (full, read-only) refuses for the
		 * upper too: its probe then says why. */
		int takes = ue_form_probe(dir);
		return takes >= 0 ? takes : ue_form_probe(upper);
	}
	*lk = ue_form_lock(upper);
	int recorded = recorded_form(upper);
	int trusted = recorded >= 0 && (named < 0 || named >= recorded);
	return trusted ? recorded : ue_form_probe_locked(upper);
}

static int pick(const char *upper, int named, int takes);

int ue_form_pick(const char *upper, const char *asked)
{
	int named = strcmp(asked, "auto") ? ue_form_parse(asked) : -1;
	if (strcmp(asked, "auto") && named < 0) {
		fprintf(stderr, "unionenv: unknown upper format '%s' (auto, device, xattr, aufs)\n", asked);
		return -1;
	}
	int lk = -1;
	int form = pick(upper, named, probe(upper, named, &lk));
	if (lk >= 0)
		close(lk);
	return form;
}

/* The form to write, and its record on the upper's root, given what the
 * filesystem takes. */
static int pick(const char *upper, int named, int takes)
{
	if (takes < 0) {
		fprintf(stderr, "unionenv: upper '%s' cannot be probed: %s\n", upper, strerror(-takes));
		return -1;
	}
	int recorded = recorded_form(upper);
	if (named >= 0) {
		/* Forms are ordered: a filesystem that takes one takes the later ones. */
		if (named < takes) {
			fprintf(stderr, "unionenv: upper '%s' cannot hold %s (its filesystem refuses them)\n", upper, what(named));
			return -1;
		}
		record_form(upper, named, recorded);
		return named;
	}
	/* Only a written form later than what the filesystem takes changes
	 * the answer: none is later than aufs, so such an upper is not walked. */
	int form = takes == UE_FORM_AUFS ? -1 : recorded >= takes ? recorded : written_form(upper);
	if (form > takes) {
		fprintf(stderr, "unionenv: upper '%s' holds %s: writing that form\n", upper, what(form));
	} else {
		form = takes;
		if (form != UE_FORM_DEVICE)
			fprintf(stderr, "unionenv: upper '%s' cannot hold %s%s: writing %s\n", upper, what(UE_FORM_DEVICE),
			        form == UE_FORM_AUFS ? " nor user xattrs" : "", what(form));
	}
	record_form(upper, form, recorded);
	return form;
}
