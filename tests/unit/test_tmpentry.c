/* core/tmpentry.c: work under a temporary name leaves nothing behind,
 * whether it wins, loses a race or fails, and wherever its directory was
 * renamed to meanwhile (issue 9: racing mkdir -p, rm -rf and mv -T). */
#include "fixture.h"
#include "sys.h"
#include "tap.h"
#include "tests.h"
#include "tmpentry.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

static const char *const layers[] = { "U d a", "U d b", "U f b/keep k", "U d c", "U d d", "U f e e", NULL };

/* Move name in the upper directory dir aside with a whiteout, as a
 * removal does, into t (left open). */
static int aside(struct ue_tmp *t, const char *dir, const char *name)
{
	int r = ue_tmp_open(t, fx_path("U", dir));
	return r < 0 ? r : sys_renameat2(t->dfd, name, t->dfd, t->name, RENAME_WHITEOUT);
}

void test_tmpentry(void)
{
	struct ue_tmp t;
	char path[PATH_MAX];
	fx_setup(1, layers);

	/* A copy-up that loses: the winner's entry stays, ours goes. */
	ue_tmp_open(&t, fx_path("U", ""));
	sys_mkdirat(t.dfd, t.name, 0700);
	is_int(ue_tmp_place(&t, "a"), 0, "place over an existing entry: a racer won, no error");
	ue_tmp_close(&t);
	is_int(fx_tmp_names(""), 0, "the loser's temporary directory is gone");

	/* The directory is renamed while the work is under way: the entry
	 * goes from where the directory is now. */
	ue_tmp_open(&t, fx_path("U", "c"));
	sys_mkdirat(t.dfd, t.name, 0700);
	snprintf(path, sizeof path, "%s/sub", t.path);
	sys_mkdirat(AT_FDCWD, path, 0555);
	rename(fx_path("U", "c"), fx_path("U", "c2"));
	ue_tmp_discard(&t);
	ue_tmp_close(&t);
	is_int(fx_tmp_names("c2"), 0, "discarded from the renamed directory, a read-only subdirectory included");

	/* A removal whose directory is empty but for a whiteout: it goes. */
	mknod(fx_path("U", "d/gone"), S_IFCHR, makedev(0, 0));
	int r = aside(&t, "", "d");
	if (r == -EINVAL || r == -EPERM) {
		ue_tmp_close(&t);
		for (int i = 0; i < 8; i++)
			printf("ok %d - removal by moving aside # skip no RENAME_WHITEOUT here\n", ++tap_n);
		fx_teardown();
		return;
	}
	int back = -1;
	is_int(ue_tmp_finish_aside(&t, "d", 1, &back), 0, "an empty directory moved aside: removed");
	ue_tmp_close(&t);
	ok(fx_type("U", "d") == 'w' && fx_tmp_names("") == 0 && back == 0,
	   "a whiteout at its name, nothing else left, nothing put back");

	/* A racer filled the directory after the caller found it empty. */
	aside(&t, "", "b");
	is_int(ue_tmp_finish_aside(&t, "b", 1, &back), -ENOTEMPTY, "a directory a racer filled: ENOTEMPTY");
	ue_tmp_close(&t);
	ok(fx_type("U", "b") == 'd' && fx_type("U", "b/keep") == 'f' && fx_tmp_names("") == 0 && back == 1,
	   "it is back at its name with its content (put back, said), and the whiteout is gone");

	/* An unlink that finds a directory a racer made there. */
	aside(&t, "", "a");
	is_int(ue_tmp_finish_aside(&t, "a", 0, &back), -EISDIR, "a file's removal that took a directory: EISDIR");
	ue_tmp_close(&t);
	ok(fx_type("U", "a") == 'd' && fx_tmp_names("") == 0 && back == 1, "the directory is back, said put back");

	/* The name was a whiteout already: a racer removed it first. */
	aside(&t, "", "d");
	is_int(ue_tmp_finish_aside(&t, "d", 1, NULL), -ENOENT, "removing what a racer removed first: ENOENT");
	ue_tmp_close(&t);
	ok(fx_type("U", "d") == 'w' && fx_tmp_names("") == 0, "one whiteout left, no temporary name");

	aside(&t, "", "e");
	is_int(ue_tmp_finish_aside(&t, "e", 0, NULL), 0, "a file moved aside: removed");
	ue_tmp_close(&t);
	ok(fx_type("U", "e") == 'w' && fx_tmp_names("") == 0, "a whiteout at its name, nothing else left");
	fx_teardown();
}
