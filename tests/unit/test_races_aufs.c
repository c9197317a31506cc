/* Races of tree operations in an upper of the aufs form (issue 9):
 * racers share the .wh. marker beside a name, so each step is played at
 * the one system call where a racer's marker, move or copy made whole
 * left debris (tests/unit/test_races.c, tests/unit/racer.h). */
#include "config.h"
#include "fixture.h"
#include "mark.h"
#include "ops.h"
#include "racer.h"
#include "races.h"
#include "readdir.h"
#include "resolve.h"
#include "sys.h"
#include "tap.h"
#include "tests.h"
#include "tmpentry.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The aufs marker of g/x, as a racer makes it first. */
static int is_aufs_marker_of_x(long nr, const long a[6])
{
	return nr == SYS_openat && (a[2] & O_CREAT) && !strcmp(base(a[1]), ".wh.x");
}

/* Just before the unlink makes its marker: a racer moves g/x away, with
 * the marker it makes first, as mv does in the aufs form. */
static int before_marker_moved(int after, long nr, const long a[6], long ret)
{
	char m[1100], x[1100];
	if (after || !is_aufs_marker_of_x(nr, a))
		return 0;
	snprintf(m, sizeof m, "%s/.wh.x", gdir);
	snprintf(x, sizeof x, "%s/x", gdir);
	close(open(m, O_CREAT | O_WRONLY, 0));
	rename(x, hdir);
	return 1;
}

/* Just before the unlink makes its marker: a racer copies g whole and
 * moves it to h. */
static int before_marker_opaque(int after, long nr, const long a[6], long ret)
{
	if (after || !is_aufs_marker_of_x(nr, a))
		return 0;
	copy_g_whole();
	rename(gdir, hdir);
	return 1;
}

/* Just before the unlink makes its marker: a racer copies g whole, moves
 * it to h and removes x from it (an upper name alone in an opaque
 * directory: no marker).  Ours then finds nothing to remove. */
static int before_marker_opaque_removed(int after, long nr, const long a[6], long ret)
{
	char x[1100];
	if (after || !is_aufs_marker_of_x(nr, a))
		return 0;
	copy_g_whole();
	rename(gdir, hdir);
	snprintf(x, sizeof x, "%s/x", hdir);
	unlink(x);
	return 1;
}

/* Just before a move of g/x makes its marker: a racer removes the
 * target's directory k. */
static int before_marker_target_gone(int after, long nr, const long a[6], long ret)
{
	if (after || !is_aufs_marker_of_x(nr, a))
		return 0;
	rmdir(fx_path("U", "k"));
	return 1;
}

/* Just before the removal of g/c drops its marker of z: a racer's
 * removal of a name in g/c, come late, makes its own marker there. */
static int before_marker_dropped(int after, long nr, const long a[6], long ret)
{
	if (after || nr != SYS_unlinkat || strcmp((const char *)a[1], ".wh.z"))
		return 0;
	int fd = openat((int)a[0], ".wh.q", O_CREAT | O_WRONLY | O_CLOEXEC, 0);
	if (fd >= 0)
		close(fd);
	return 1;
}

/* Just before the removal of g/c makes its marker: a racer's move of
 * g/c makes it first (its move then fails, the directory being aside). */
static int before_marker_of_c(int after, long nr, const long a[6], long ret)
{
	if (after || nr != SYS_openat || !(a[2] & O_CREAT) || strcmp(base(a[1]), ".wh.c"))
		return 0;
	close(open(fx_path("U", "g/.wh.c"), O_CREAT | O_WRONLY, 0));
	return 1;
}

/* Just before the copy of g/c made whole marks it opaque: a racer puts
 * a directory e there, holding a marker (an rmdir of it put it back). */
static int before_c_marked(int after, long nr, const long a[6], long ret)
{
	if (after || nr != SYS_openat || !(a[2] & O_CREAT) || strcmp(base(a[1]), ".wh..wh..opq"))
		return 0;
	mkdir(fx_path("U", "g/c/e"), 0755);
	close(open(fx_path("U", "g/c/e/.wh.q"), O_CREAT | O_WRONLY, 0));
	return 1;
}

/* Just after the rmdir of g/c/e moved it aside: a racer copies g/c whole
 * (it does not see e) and marks it opaque. */
static int after_e_aside(int after, long nr, const long a[6], long ret)
{
	if (!after || ret < 0 || nr != SYS_renameat2 || strcmp((const char *)a[1], "e"))
		return 0;
	ue_set_opaque_clean(fx_path("U", "g/c"));
	return 1;
}

static int was_opaque;

/* Just before the opaque marker of g is made: is g opaque at that moment? */
static int before_opaque_marker(int after, long nr, const long a[6], long ret)
{
	if (after || nr != SYS_openat || strcmp(base(a[1]), ".wh..wh..opq"))
		return 0;
	was_opaque = fx_type("U", "g/.wh..wh..opq") == 'f';
	return 1;
}

/* Just before a copy-up of g/x is linked into place: a racer's removal
 * makes its marker and finds nothing at the name yet. */
static int before_link_removed(int after, long nr, const long a[6], long ret)
{
	char m[1100];
	if (after || nr != SYS_linkat)
		return 0;
	snprintf(m, sizeof m, "%s/.wh.x", gdir);
	close(open(m, O_CREAT | O_WRONLY, 0));
	return 1;
}

/* Just before the removal of g/c/d/y opens the directory of its marker
 * (the union's parents copied up on a stale look): a racer moves g/c to
 * h and makes g/c/d anew (mkdir -p over the move's marker: g/c opaque,
 * g/c/d plain in it).  Nothing of the lower shows below the new g/c.
 * With marker_left, the racer's mkdir of g/c is between its two steps:
 * the new g/c is in place, the marker .wh.c beside it not gone yet. */
static int marker_left;
static int before_dir_of_y_opened(int after, long nr, const long a[6], long ret)
{
	char c[1100], d[1100], opq[1120], m[1100];
	snprintf(c, sizeof c, "%s/c", gdir);
	snprintf(d, sizeof d, "%s/c/d", gdir);
	if (after || nr != SYS_openat || !(a[2] & O_PATH) || strcmp((const char *)a[1], d))
		return 0;
	rename(c, hdir);
	mkdir(c, 0755);
	snprintf(opq, sizeof opq, "%s/.wh..wh..opq", c);
	close(open(opq, O_CREAT | O_WRONLY, 0));
	mkdir(d, 0755);
	snprintf(m, sizeof m, "%s/.wh.c", gdir);
	if (marker_left)
		close(open(m, O_CREAT | O_WRONLY, 0));
	return 1;
}

void test_races_aufs(void)
{
	char f[PATH_MAX + 64];

	/* aufs: the marker sits beside the name, where racers share it. */
	static const char *const copied[] = { "L1 d g", "L1 f g/x x", "U d g", "U f g/x x", NULL };
	setup_tree("aufs", copied);
	at(&A, "g/x");
	racer_set(before_marker_moved);
	is_int(ue_op_unlink(&A), -ENOENT, "aufs: unlink of a name a racer moved away first: ENOENT");
	ok(racer_acted(), "the racer made the marker and moved the file");
	ok(fx_type("U", "g/.wh.x") == 'f', "the racer's marker stays: the moved name does not show again");
	teardown();

	setup_tree("aufs", copied);
	at(&A, "g/x");
	racer_set(before_marker_opaque);
	is_int(ue_op_unlink(&A), 0, "aufs: unlink while a racer copies the directory whole and moves it");
	ok(racer_acted() && fx_type("U", "h/x") == 0, "the racer moved g, the file went from it");
	ok(fx_type("U", "h/.wh.x") == 0, "no marker in the opaque directory: it would hide nothing");
	teardown();

	setup_tree("aufs", copied);
	at(&A, "g/x");
	racer_set(before_marker_opaque_removed);
	is_int(ue_op_unlink(&A), -ENOENT, "aufs: unlink while a racer copies the directory whole, moves it and removes the name: ENOENT");
	ok(racer_acted() && fx_type("U", "h/x") == 0, "the racer moved g and removed x from it");
	ok(fx_type("U", "h/.wh.x") == 0, "our marker does not stay in the opaque directory: it would hide nothing");
	teardown();

	/* aufs: a removal on a look a racer made stale, below a directory
	 * it made anew: the marker it made hides nothing and goes. */
	static const char *const deep[] = { "L1 d g", "L1 d g/c", "L1 d g/c/d", "L1 f g/c/d/y y", "U d g", NULL };
	for (marker_left = 0; marker_left < 2; marker_left++) {
		const char *when = marker_left ? " (its marker of g/c not gone yet)" : "";
		char name[200];
		setup_tree("aufs", deep);
		at(&A, "g/c/d/y");
		racer_set(before_dir_of_y_opened);
		int r = ue_op_unlink(&A);
		snprintf(name, sizeof name, "aufs: unlink of g/c/d/y while a racer moves g/c and makes g/c/d anew%s", when);
		ok(r == 0 || r == -ENOENT, name);
		ok(racer_acted() && fx_type("U", "g/c/d") == 'd', "the racer made g/c/d anew below an opaque g/c");
		snprintf(name, sizeof name, "no marker left in the new g/c/d: it would hide nothing%s", when);
		ok(fx_type("U", "g/c/d/.wh.y") == 0, name);
		teardown();
	}

	/* aufs: a move that fails for want of its target's directory leaves
	 * the name it did not move showing. */
	static const char *const target[] = { "L1 d g", "L1 f g/x x", "U d g", "U f g/x x", "U d k", NULL };
	setup_tree("aufs", target);
	at(&A, "g/x"), at(&B, "k/x");
	racer_set(before_marker_target_gone);
	is_int(ue_op_rename(&A, &B, 0), -ENOENT, "aufs: mv g/x k/x while a racer removes k: ENOENT");
	ok(racer_acted() && fx_type("U", "k") == 0, "the racer removed k after the look");
	ok(fx_type("U", "g/x") == 'f' && fx_type("U", "g/.wh.x") == 0, "g/x stays, not hidden by our marker");
	teardown();

	/* aufs: an rmdir whose directory a racer's late marker fills. */
	static const char *const removed_z[] = { "L1 d g", "L1 d g/c", "L1 f g/c/z z", "U d g", "U d g/c", "U f g/c/.wh.z", NULL };
	setup_tree("aufs", removed_z);
	snprintf(f, sizeof f, "%s/c", gdir);
	racer_set(before_marker_dropped);
	is_int(ue_whiteout_replace(f, 1), 0, "aufs: rmdir of a directory a racer puts a marker in meanwhile");
	ok(racer_acted(), "the racer made its marker while the markers were being dropped");
	ok(fx_type("U", "g/c") == 0 && fx_type("U", "g/.wh.c") == 'f' && fx_tmp_names("g") == 0,
	   "the directory went, its marker in g, no temporary name left");
	teardown();

	/* aufs: an rmdir that puts the directory back leaves no marker. */
	static const char *const filled_c[] = { "L1 d g", "L1 d g/c", "L1 f g/c/z z", "U d g", "U d g/c", "U f g/c/new n", NULL };
	setup_tree("aufs", filled_c);
	snprintf(f, sizeof f, "%s/c", gdir);
	racer_set(before_marker_of_c);
	is_int(ue_whiteout_replace(f, 1), -ENOTEMPTY, "aufs: rmdir of a filled directory while a racer's move marks it: ENOTEMPTY");
	ok(racer_acted(), "the racer made the marker of g/c first");
	ok(fx_type("U", "g/c/new") == 'f' && fx_type("U", "g/.wh.c") == 0 && fx_tmp_names("g") == 0,
	   "the directory is back at its name, no marker hides it, no temporary name left");
	teardown();

	/* aufs: a directory the copy of its parent did not see is cleaned,
	 * by the copy when it came before the mark ... */
	static const char *const c_files[] = { "L1 d g", "L1 d g/c", "L1 f g/c/z z", "U d g", "U d g/c", NULL };
	setup_tree("aufs", c_files);
	at(&A, "g/c"), at(&B, "h");
	racer_set(before_c_marked);
	is_int(ue_op_rename(&A, &B, 0), 0, "aufs: mv -T g/c h while a racer puts a directory in g/c");
	ok(racer_acted(), "the racer made g/c/e before g/c was marked opaque");
	ok(fx_type("U", "h/e/.wh..wh..opq") == 'f' && fx_type("U", "h/e/.wh.q") == 0,
	   "the copy cleaned it: opaque, its marker gone");
	teardown();

	/* ... and by the racer putting it back when it came after. */
	static const char *const e_filled[] = { "L1 d g", "L1 d g/c", "L1 d g/c/e", "L1 f g/c/e/z z", "U d g", "U d g/c",
		                                "U d g/c/e", "U f g/c/e/.wh.z", "U f g/c/e/new n", NULL };
	setup_tree("aufs", e_filled);
	racer_set(after_e_aside);
	is_int(ue_whiteout_replace(fx_path("U", "g/c/e"), 1), -ENOTEMPTY,
	       "aufs: rmdir of a filled directory while a racer copies its parent whole: ENOTEMPTY");
	ok(racer_acted() && fx_type("U", "g/c/.wh..wh..opq") == 'f', "the racer made g/c opaque while e was aside");
	ok(fx_type("U", "g/c/e/new") == 'f' && fx_type("U", "g/c/e/.wh..wh..opq") == 'f' && fx_type("U", "g/c/e/.wh.z") == 0,
	   "e is back, cleaned: opaque, its marker gone");
	teardown();

	/* aufs: a directory copied whole a second time stays opaque all along. */
	static const char *const opaque[] = { "L1 d g", "L1 f g/x x", "U d g", "U f g/.wh..wh..opq", "U f g/.wh.x", NULL };
	setup_tree("aufs", opaque);
	racer_set(before_opaque_marker);
	is_int(ue_set_opaque_clean(gdir), 0, "aufs: an opaque directory made opaque again, its markers dropped");
	ok(racer_acted() && was_opaque, "it was opaque at every moment (its marker never dropped first)");
	ok(fx_type("U", "g/.wh..wh..opq") == 'f' && fx_type("U", "g/.wh.x") == 0, "opaque, and the marker inside gone");
	teardown();

	/* aufs: a copy-up that lands after a racer's removal marked the name. */
	static const char *const lower_x[] = { "L1 d g", "L1 f g/x x", "U d g", NULL };
	setup_tree("aufs", lower_x);
	at(&A, "g/x");
	racer_set(before_link_removed);
	is_int(ue_op_change_prepare(&A, 0), -ENOENT, "aufs: a copy-up of a name a racer removed meanwhile: ENOENT");
	ok(racer_acted(), "the racer marked the name between the copy's look and its placing");
	ok(fx_type("U", "g/x") == 0 && fx_type("U", "g/.wh.x") == 'f', "the copy went back: the marker alone, not both");
	teardown();
}
