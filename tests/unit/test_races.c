/* Races of tree operations in the upper (issue 9, tests/scenarios/
 * race-tree.sh), each played at the one moment that left debris there
 * (tests/unit/racer.h): a whiteout that hides nothing, or a temporary
 * name left behind.  The racer does what a racing `mv -T`, `rm -rf` or
 * `mkdir -p` does in the upper at that moment. */
#include "config.h"
#include "fixture.h"
#include "hideseq.h"
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

static const char *const tree[] = { "L1 d g", "L1 f g/x x", "L1 f g/y y", "L1 d g/c", "L1 f g/c/z z", "U d g", NULL };

struct ue_path A, B;
char gdir[1024], hdir[1024];
static char tmpdir[1200];

struct ue_path *at(struct ue_path *p, const char *rel)
{
	char v[PATH_MAX];
	snprintf(v, sizeof v, "%s/%s", fx_mount(), rel);
	if (ue_resolve(AT_FDCWD, v, 0, p) < 0)
		p->where = -1;
	return p;
}

static const char *opaque_of(const char *rel)
{
	static char v[8];
	ssize_t n = lgetxattr(fx_path("U", rel), "user.overlay.opaque", v, sizeof v - 1);
	v[n < 0 ? 0 : n] = '\0';
	return v;
}

const char *base(long p)
{
	const char *s = strrchr((const char *)p, '/');
	return s ? s + 1 : (const char *)p;
}

/* A racer copies g whole (it is to move it): opaque=y, whiteouts dropped;
 * counted as the rename that does it counts itself (core/hideseq.h). */
void copy_g_whole(void)
{
	ue_hide_begin();
	ue_set_opaque_clean(gdir);
	ue_hide_end();
}

/* Just after the whiteout of g/c/z took its name: a racer copies g, an
 * ancestor, whole, as a rename of g does; counted as such operations
 * count themselves (core/hideseq.h), or with hide_uncounted not. */
static int hide_uncounted;
static int after_whiteout_of_z(int after, long nr, const long a[6], long ret)
{
	if (!after || ret < 0)
		return 0;
	if (!((nr == SYS_renameat2 || nr == SYS_linkat) && !strcmp(base(a[3]), "z")) &&
	    !(nr == SYS_mknodat && !strcmp(base(a[1]), "z")))
		return 0;
	if (hide_uncounted)
		ue_set_opaque_clean(gdir);
	else
		copy_g_whole();
	return 1;
}

/* Just before the look-then-mark of g as holding xattr whiteouts writes
 * its x. */
static int before_mark_x(int after, long nr, const long a[6], long ret)
{
	if (after || nr != SYS_setxattr || strcmp((const char *)a[1], "user.overlay.opaque") ||
	    *(const char *)a[2] != 'x')
		return 0;
	copy_g_whole();
	return 1;
}

/* Just after the directory of the whiteout is opened: g is copied whole,
 * moved to h, and a new g made at its name (opaque: a mkdir -p over the
 * whiteout the move left).  The whiteout is made and checked in the g
 * that was opened (the unlink's check by path covers the new one too). */
static int after_dir_open(int after, long nr, const long a[6], long ret)
{
	if (!after || ret < 0 || nr != SYS_openat || !(a[2] & O_PATH) || strcmp((const char *)a[1], gdir))
		return 0;
	copy_g_whole();
	rename(gdir, hdir);
	mkdir(gdir, 0755);
	lsetxattr(gdir, "user.overlay.opaque", "y", 1, 0);
	return 1;
}

/* Just before the prepared whiteout takes the old name of the moved g/c
 * (a plain rename: the copy-up of g/c before the move places its copy
 * with RENAME_NOREPLACE, a moment at which a racer's copy of g would have
 * copied g/c too). */
static int before_whiteout_placed(int after, long nr, const long a[6], long ret)
{
	if (after || nr != SYS_renameat2 || a[4] != 0 || strncmp(base(a[1]), ".unionenv.", 10) || strcmp(base(a[3]), "c"))
		return 0;
	copy_g_whole();
	return 1;
}

/* Just before the prepared whiteout takes the old name of the moved g/c:
 * the lower's g/c shows there between the two renames, and a racer copies
 * it up (a directory at the name). */
static int before_whiteout_copied_up(int after, long nr, const long a[6], long ret)
{
	char c[1100];
	if (after || nr != SYS_renameat2 || strncmp(base(a[1]), ".unionenv.", 10) || strcmp(base(a[3]), "c"))
		return 0;
	snprintf(c, sizeof c, "%s/c", gdir);
	mkdir(c, 0755);
	return 1;
}

/* The same, and the racer makes a file in its copy. */
static int before_whiteout_copied_up_filled(int after, long nr, const long a[6], long ret)
{
	char f[1100];
	if (!before_whiteout_copied_up(after, nr, a, ret))
		return 0;
	snprintf(f, sizeof f, "%s/c/new", gdir);
	close(open(f, O_CREAT | O_WRONLY, 0644));
	return 1;
}

/* Just before the move of g/c that leaves a device whiteout. */
static int before_move_leaving(int after, long nr, const long a[6], long ret)
{
	if (after || nr != SYS_renameat2 || !(a[4] & RENAME_WHITEOUT))
		return 0;
	copy_g_whole();
	return 1;
}

/* Around the move of g/c to h, a racer's `rm -rf g/c` and then its
 * `mkdir -p g/c` (remade_as 'd') or a file written at g/c ('f'): just
 * before the move, the copy of g/c gives way to a whiteout; just after
 * it, the name is made anew over the whiteout the move left there.  What
 * moved was the racer's whiteout. */
static int remade_as;
static int around_moved_whiteout(int after, long nr, const long a[6], long ret)
{
	char c[1100], z[1110];
	if (nr != SYS_renameat2 || !(a[4] & RENAME_WHITEOUT) || strcmp(base(a[1]), "c"))
		return 0;
	snprintf(c, sizeof c, "%s/c", gdir);
	if (!after) {
		snprintf(z, sizeof z, "%s/z", c);
		unlink(z);
		rmdir(c);
		mknod(c, S_IFCHR, makedev(0, 0));
		return 0;
	}
	if (ret < 0)
		return 1;
	unlink(c);
	if (remade_as == 'd') {
		mkdir(c, 0755);
		lsetxattr(c, "user.overlay.opaque", "y", 1, 0);
	} else {
		int fd = open(c, O_CREAT | O_WRONLY, 0644);
		if (fd >= 0) {
			ssize_t n = write(fd, "new", 3);
			(void)n;  /* a short write fails the check of the content */
			close(fd);
		}
	}
	return 1;
}

/* Just after a discard has read the temporary directory to its end: a
 * racer that found it before it was moved aside puts a file in it. */
static int after_read_to_end(int after, long nr, const long a[6], long ret)
{
	char f[PATH_MAX + 64];
	if (!after || nr != SYS_getdents64 || ret != 0)
		return 0;
	snprintf(f, sizeof f, "%s/late", tmpdir);
	close(open(f, O_CREAT | O_WRONLY, 0644));
	return 1;
}

/* Just after a directory's removal moved it aside with a whiteout at its
 * name: a racer copies its parent g whole (opaque), which drops that
 * whiteout (it hides nothing there). */
static int after_moved_aside(int after, long nr, const long a[6], long ret)
{
	if (!after || ret < 0 || nr != SYS_renameat2 || !(a[4] & RENAME_EXCHANGE))
		return 0;
	copy_g_whole();
	return 1;
}

/* Just before a drop of whiteouts unlinks the first: a racer's own drop
 * (or removal) took it first; with make_dir, a racer's mkdir took the
 * name then. */
static int make_dir;
static int before_drop(int after, long nr, const long a[6], long ret)
{
	char n[1100];
	if (after || nr != SYS_unlinkat || a[2] != 0 || strncmp(base(a[1]), ".unionenv.", 10) == 0)
		return 0;
	snprintf(n, sizeof n, "%s/%s", gdir, base(a[1]));
	unlink(n);
	if (make_dir)
		mkdir(n, 0755);
	return 1;
}

/* Just before the whiteout of the lower's g/x takes its name: a racer
 * copies g/x up (with copy_kind 'f'), or removes it first with its own
 * device whiteout ('w'). */
static int copy_kind;
static int is_whiteout_of_x(long nr, const long a[6])
{
	if (nr == SYS_mknodat)
		return !strcmp(base(a[1]), "x");
	return nr == SYS_renameat2 && !strncmp(base(a[1]), ".unionenv.", 10) && !strcmp(base(a[3]), "x");
}
static int before_whiteout_of_x(int after, long nr, const long a[6], long ret)
{
	char x[1100];
	if (after || !is_whiteout_of_x(nr, a))
		return 0;
	snprintf(x, sizeof x, "%s/x", gdir);
	if (copy_kind == 'w') {
		mknod(x, S_IFCHR, makedev(0, 0));
	} else {
		int fd = open(x, O_CREAT | O_WRONLY, 0644);
		ssize_t w = write(fd, "racer\n", 6);
		(void)w;
		close(fd);
	}
	return 1;
}

/* After a drop of g's whiteouts unlinked the one of x: while g is not
 * opaque yet, the lower's g/x shows, and a racer copies it up. */
static int after_drop_of_x(int after, long nr, const long a[6], long ret)
{
	char x[1100];
	if (!after || nr != SYS_unlinkat || strcmp(base(a[1]), "x"))
		return 0;
	if (strcmp(opaque_of("g"), "y") != 0) {
		snprintf(x, sizeof x, "%s/x", gdir);
		close(open(x, O_CREAT | O_WRONLY, 0644));
	}
	return 1;
}

/* After a drop of g's whiteouts has listed them: a racer moves g to h. */
static int after_listed_moved(int after, long nr, const long a[6], long ret)
{
	if (!after || nr != SYS_getdents64 || ret <= 0)
		return 0;
	rename(gdir, hdir);
	return 1;
}

/* Just after g is marked opaque: a racer moves g to h. */
static int after_opaque_moved(int after, long nr, const long a[6], long ret)
{
	if (!after || ret < 0 || (nr != SYS_lsetxattr && nr != SYS_setxattr) ||
	    strcmp((const char *)a[1], "user.overlay.opaque") || *(const char *)a[2] != 'y')
		return 0;
	rename(gdir, hdir);
	return 1;
}

static int can_mknod_whiteout(void)
{
	if (mknod(fx_path("U", "probe"), S_IFCHR, makedev(0, 0)) < 0)
		return 0;
	unlink(fx_path("U", "probe"));
	return 1;
}

void setup_tree(const char *form, const char *const *spec)
{
	setenv("UNIONENV_UPPER_FORMAT", form, 1);
	fx_setup(1, spec);
	snprintf(gdir, sizeof gdir, "%s", fx_path("U", "g"));
	snprintf(hdir, sizeof hdir, "%s", fx_path("U", "h"));
}

static void setup(const char *form)
{
	setenv("UNIONENV_UPPER_FORMAT", form, 1);
	fx_setup(1, tree);
	snprintf(gdir, sizeof gdir, "%s", fx_path("U", "g"));
	snprintf(hdir, sizeof hdir, "%s", fx_path("U", "h"));
}

void teardown(void)
{
	racer_set(NULL);
	fx_teardown();
	unsetenv("UNIONENV_UPPER_FORMAT");
}

/* A pid that no process has now: a child's, reaped. */
static pid_t gone_pid(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

void test_races(void)
{
	setup("xattr");
	at(&A, "g/x");
	racer_set(before_mark_x);
	is_int(ue_op_unlink(&A), 0, "xattr: unlink while a racer copies the directory whole");
	ok(racer_acted(), "the racer made g opaque between the look at its mark and the write of x");
	is_str(opaque_of("g"), "y", "g stays opaque: x is not written over y");
	ok(fx_type("U", "g/x") == 0, "no whiteout left in the opaque g");
	teardown();

	/* The removal asks the directories above its name again only when
	 * such an operation ran since its look: here one did, and the
	 * whiteout, hiding nothing below the opaque g, goes. */
	setup("xattr");
	at(&A, "g/c/z");
	ok(A.hide_mark != 0, "xattr: the look took a mark (the segment is shared, nothing under way)");
	racer_set(after_whiteout_of_z);
	is_int(ue_op_unlink(&A), 0, "xattr: unlink g/c/z while a racer copies g whole after the whiteout is made");
	ok(racer_acted() && fx_type("U", "g/c") == 'd', "the racer made g opaque; g/c stays (copied up)");
	ok(fx_type("U", "g/c/z") == 0, "no whiteout left below the opaque g");
	teardown();
	/* The same racer not counting itself: the removal takes its look as
	 * still true and keeps the whiteout (why every such operation counts). */
	setup("xattr");
	at(&A, "g/c/z");
	hide_uncounted = 1;
	racer_set(after_whiteout_of_z);
	is_int(ue_op_unlink(&A), 0, "xattr: the same with a racer that does not count itself");
	ok(racer_acted() && fx_type("U", "g/c/z") != 0, "the whiteout stays: the directories above were not asked");
	hide_uncounted = 0;
	teardown();

	setup("xattr");
	at(&A, "g/x");
	racer_set(after_dir_open);
	is_int(ue_op_unlink(&A), 0, "xattr: unlink while a racer moves the directory away and makes it anew");
	ok(racer_acted(), "the racer moved g after its directory was opened");
	ok(fx_type("U", "g/x") == 0, "no whiteout in the new, opaque g");
	ok(fx_type("U", "h/x") == 0, "none in the old g either: opaque now, it hides nothing");
	teardown();

	setup("xattr");
	at(&A, "g/c");
	at(&B, "h");
	racer_set(before_whiteout_placed);
	is_int(ue_op_rename(&A, &B, 0), 0, "xattr: mv -T g/c h while a racer copies g whole");
	ok(racer_acted(), "the racer made g opaque between the move and the whiteout's placing");
	ok(fx_type("U", "h/z") == 'f', "the directory moved");
	ok(fx_type("U", "g/c") == 0 && fx_tmp_names("g") == 0, "no whiteout (g is opaque) and no temporary name left");
	teardown();

	/* g/c copied up already: the move renames the upper's g/c and leaves
	 * a whiteout for the lower's. */
	static const char *const both[] = { "L1 d g", "L1 d g/c", "L1 f g/c/z z", "U d g", "U d g/c", "U f g/c/z z", NULL };
	setup_tree("xattr", both);
	at(&A, "g/c");
	at(&B, "h");
	racer_set(before_whiteout_copied_up);
	is_int(ue_op_rename(&A, &B, 0), 0, "xattr: mv -T g/c h while a racer copies the lower's g/c up between the two renames: no error");
	ok(racer_acted(), "the racer made a directory at the old name before the whiteout took it");
	ok(fx_type("U", "h/z") == 'f', "the directory moved");
	ok(fx_type("U", "g/c") == 'f' && lgetxattr(fx_path("U", "g/c"), "user.overlay.whiteout", NULL, 0) >= 0,
	   "the old name is a whiteout: the racer's empty copy went");
	is_int(fx_tmp_names("g"), 0, "no temporary name left");
	teardown();

	setup_tree("xattr", both);
	at(&A, "g/c");
	at(&B, "h");
	racer_set(before_whiteout_copied_up_filled);
	is_int(ue_op_rename(&A, &B, 0), 0, "xattr: the same, the racer making a file in its copy: no error");
	ok(fx_type("U", "h/z") == 'f' && fx_type("U", "g/c/new") == 'f', "the directory moved, and the racer's file is kept at the old name");
	is_int(fx_tmp_names("g"), 0, "no temporary name left");
	teardown();

	setup("device");
	if (mknod(fx_path("U", "probe"), S_IFCHR, makedev(0, 0)) < 0) {
		printf("ok %d - device: mv -T g/c h while a racer copies g whole # skip no whiteout devices here\n", ++tap_n);
		printf("ok %d - device: no whiteout left in the opaque g # skip no whiteout devices here\n", ++tap_n);
	} else {
		unlink(fx_path("U", "probe"));
		at(&A, "g/c");
		at(&B, "h");
		racer_set(before_move_leaving);
		is_int(ue_op_rename(&A, &B, 0), 0, "device: mv -T g/c h while a racer copies g whole");
		ok(racer_acted() && fx_type("U", "g/c") == 0, "device: no whiteout left in the opaque g");
	}
	teardown();

	/* The source removed after the look and made anew after the move:
	 * the moved whiteout cannot go back (a directory is at the old name,
	 * or a file it would destroy) and must not stay at the new name. */
	for (remade_as = 'd'; remade_as; remade_as = remade_as == 'd' ? 'f' : 0) {
		const char *what = remade_as == 'd' ? "a directory" : "a file";
		char name[200];
		setup("device");
		if (mknod(fx_path("U", "probe"), S_IFCHR, makedev(0, 0)) < 0) {
			for (int i = 0; i < 3; i++)
				printf("ok %d - device: a moved whiteout, the old name made anew as %s # skip no whiteout devices here\n", ++tap_n, what);
			teardown();
			continue;
		}
		unlink(fx_path("U", "probe"));
		at(&A, "g/c");
		at(&B, "h");
		racer_set(around_moved_whiteout);
		snprintf(name, sizeof name, "device: mv -T g/c h while a racer removes g/c and makes it anew as %s: ENOENT", what);
		is_int(ue_op_rename(&A, &B, 0), -ENOENT, name);
		ok(racer_acted() && fx_type("U", "h") == 0, "device: ... no whiteout left at the new name, which hides nothing");
		ok(remade_as == 'd' ? fx_type("U", "g/c") == 'd' && fx_opaque("U", "g/c")
		                    : fx_type("U", "g/c") == 'f' && fx_read("U", "g/c") && !strcmp(fx_read("U", "g/c"), "new"),
		   "device: ... the racer's new entry stays at the old name");
		teardown();
	}

	/* A directory being emptied takes a crashed process's temporary name,
	 * not a live racer's work in progress. */
	setup("xattr");
	char live[PATH_MAX + 64], dead[PATH_MAX + 64];
	snprintf(live, sizeof live, "%s/.unionenv.%d.77", gdir, (int)getpid());
	snprintf(dead, sizeof dead, "%s/.unionenv.%d.1", gdir, (int)gone_pid());
	close(open(live, O_CREAT | O_WRONLY, 0600));
	close(open(dead, O_CREAT | O_WRONLY, 0600));
	is_int(ue_dir_drop_whiteouts(gdir), 0, "whiteouts dropped from a directory holding temporary names");
	ok(access(live, F_OK) == 0, "a live process's temporary entry stays");
	ok(access(dead, F_OK) < 0, "a gone process's leftover goes");
	teardown();

	/* A discarded directory that a racer still reaches. */
	setup("xattr");
	struct ue_tmp t;
	char f[PATH_MAX + 64];
	ue_tmp_open(&t, gdir);
	sys_mkdirat(t.dfd, t.name, 0700);
	snprintf(tmpdir, sizeof tmpdir, "%s/%s", gdir, t.name);
	snprintf(f, sizeof f, "%s/early", tmpdir);
	close(open(f, O_CREAT | O_WRONLY, 0644));
	racer_set(after_read_to_end);
	ue_tmp_discard(&t);
	ue_tmp_close(&t);
	ok(racer_acted(), "a racer put a file in the directory after the discard read it");
	is_int(fx_tmp_names("g"), 0, "the discard still removed it all");
	teardown();

	/* A directory's removal that finds it filled by a racer puts it back,
	 * also when its whiteout went meanwhile. */
	setup("xattr");
	mkdir(fx_path("U", "g/c"), 0755);
	close(open(fx_path("U", "g/c/new"), O_CREAT | O_WRONLY, 0644));
	snprintf(f, sizeof f, "%s/c", gdir);
	racer_set(after_moved_aside);
	is_int(ue_whiteout_replace(f, 1), -ENOTEMPTY, "xattr: rmdir of a directory a racer filled: ENOTEMPTY");
	ok(racer_acted(), "the racer made g opaque, its whiteout gone, while the directory was aside");
	ok(fx_type("U", "g/c/new") == 'f' && fx_tmp_names("g") == 0, "the directory is back at its name with its content");
	teardown();

	/* A drop of whiteouts that a racer's drop or create overtakes. */
	for (make_dir = 0; make_dir < 2; make_dir++) {
		setup("xattr");
		at(&A, "g/x");
		ue_op_unlink(&A);
		at(&A, "g/y");
		ue_op_unlink(&A);
		racer_set(before_drop);
		is_int(ue_set_opaque_clean(gdir), 0, make_dir ? "xattr: a directory made opaque while a racer puts a directory at a whiteout's name: no error"
		                                              : "xattr: a directory made opaque while a racer drops a whiteout first: no error");
		ok(racer_acted(), "the racer took the first whiteout's name before its unlink");
		ok((fx_type("U", "g/x") == 0) + (fx_type("U", "g/y") == 0) == 2 - make_dir, "every whiteout gone, the racer's directory kept");
		is_str(opaque_of("g"), "y", "g is opaque");
		teardown();
	}

	/* The whiteout of a lower's name finds the name taken in the upper. */
	static const char *const forms[] = { "device", "xattr" };
	for (int i = 0; i < 2; i++) {
		char what[160];
		setup(forms[i]);
		if (i == 0 && !can_mknod_whiteout()) {
			for (int k = 0; k < 6; k++)
				printf("ok %d - device: whiteout of a name a racer took # skip no whiteout devices here\n", ++tap_n);
			teardown();
			continue;
		}
		at(&A, "g/x");
		copy_kind = 'f';
		racer_set(before_whiteout_of_x);
		snprintf(what, sizeof what, "%s: unlink of a lower's name a racer copies up meanwhile: done", forms[i]);
		is_int(ue_op_unlink(&A), 0, what);
		ok(racer_acted(), "the racer copied g/x up before the whiteout took the name");
		ok(at(&B, "g/x")->where < 0 || !ue_node_exists(&B.node), "g/x is gone from the union");
		ok(fx_tmp_names("g") == 0, "no temporary name left");
		teardown();
		if (i == 1)
			continue;
		setup(forms[i]);
		at(&A, "g/x");
		copy_kind = 'w';
		racer_set(before_whiteout_of_x);
		is_int(ue_op_unlink(&A), -ENOENT, "device: unlink of a lower's name a racer removed meanwhile: ENOENT");
		ok(racer_acted() && fx_type("U", "g/x") == 'w', "the racer's whiteout stays");
		teardown();
	}

	/* xattr: a directory holding xattr whiteouts made opaque while a
	 * racer copies up whatever the union shows in it. */
	setup("xattr");
	at(&A, "g/x");
	ue_op_unlink(&A);
	racer_set(after_drop_of_x);
	is_int(ue_set_opaque(gdir), 0, "xattr: opaque=x made opaque=y while a racer copies up what shows");
	ok(racer_acted(), "the racer looked when the whiteout of x went");
	ok(fx_type("U", "g/x") == 0, "the lower's g/x never showed: no copy of it stays");
	is_str(opaque_of("g"), "y", "g is opaque");
	teardown();

	/* xattr: a directory made opaque while a racer moves it away. */
	racer_fn *const movers[] = { after_listed_moved, after_opaque_moved };
	const char *const when[] = { "between the listing and the look at each entry", "between the mark and the drop" };
	for (int i = 0; i < 2; i++) {
		char what[160];
		setup("xattr");
		at(&A, "g/x");
		ue_op_unlink(&A);
		racer_set(movers[i]);
		snprintf(what, sizeof what, "xattr: a directory made opaque while a racer moves it %s: done", when[i]);
		is_int(ue_set_opaque_clean(gdir), 0, what);
		ok(racer_acted(), "the racer moved g to h");
		ok(fx_type("U", "h/x") == 0, "no whiteout left in the moved directory, opaque now");
		is_str(opaque_of("h"), "y", "h is opaque");
		teardown();
	}
}
