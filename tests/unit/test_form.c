/* The upper written in the fallback forms (UNIONENV_UPPER_FORMAT): the
 * kernel's xattr whiteouts and the aufs/OCI .wh. files.  Each operation
 * that leaves a marker is checked on disk and in the merged view. */
#include "cache.h"
#include "config.h"
#include "fixture.h"
#include "form.h"
#include "lookup.h"
#include "ops.h"
#include "readdir.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *const tree[] = {
	"L1 f a one", "L1 f b two", "L1 d e", "L1 d m", "L1 f m/p p", "L1 f m/q q",
	"L1 d g", "L1 f g/x x", "L1 d r", "L1 f r/y y", "L1 f r/w w", "L1 d s", NULL
};

static struct ue_path A, B;

static struct ue_path *at(struct ue_path *p, const char *rel)
{
	char v[4096];
	snprintf(v, sizeof v, "%s/%s", fx_mount(), rel);
	if (ue_resolve(AT_FDCWD, v, 0, p) < 0)
		p->where = -1;
	return p;
}

static int gone(const char *rel)
{
	return at(&A, rel)->where == UE_UNION && !ue_node_exists(&A.node);
}

/* The merged listing of dir, names joined by spaces ("." and ".." left out). */
static const char *listing(const char *rel)
{
	static char out[1024];
	struct ue_dirlist l;
	out[0] = '\0';
	if (ue_node_at(rel, &A.node) < 0 || ue_dir_list(rel, &A.node, &l) < 0)
		return "(error)";
	for (size_t i = 2; i < l.n; i++)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i > 2 ? " " : "", l.ent[i]->name);
	ue_dir_free(&l);
	return out;
}

static const char *xattr_of(const char *layer, const char *rel, const char *name)
{
	static char v[8];
	ssize_t n = lgetxattr(fx_path(layer, rel), name, v, sizeof v - 1);
	v[n < 0 ? 0 : n] = '\0';
	return n < 0 ? "" : v;
}

/* Is there a whiteout of rel in the upper, in form? */
static int whiteout_in(int form, const char *rel)
{
	char wh[512];
	const char *slash = strrchr(rel, '/');
	if (form == UE_FORM_AUFS) {
		snprintf(wh, sizeof wh, "%.*s.wh.%s", slash ? (int)(slash - rel + 1) : 0, rel, slash ? slash + 1 : rel);
		return fx_type("U", wh) == 'f' && fx_type("U", rel) == 0;
	}
	char dir[512];
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - rel) : 0, rel);
	return fx_type("U", rel) == 'f' && !strcmp(xattr_of("U", rel, "user.overlay.whiteout"), "y") &&
	       !strcmp(xattr_of("U", dir, "user.overlay.opaque"), "x");
}

static int opaque_in(int form, const char *rel)
{
	char m[512];
	snprintf(m, sizeof m, "%s/.wh..wh..opq", rel);
	return form == UE_FORM_AUFS ? fx_type("U", m) == 'f' : !strcmp(xattr_of("U", rel, "user.overlay.opaque"), "y");
}

static void one_form(int form)
{
	const char *name = ue_form_name(form);
	char t[128];
#define T(what) (snprintf(t, sizeof t, "%s: %s", name, what), t)
	setenv("UNIONENV_UPPER_FORMAT", name, 1);
	fx_setup(1, tree);
	is_int(ue_cfg.upper_form, form, T("the form is taken from UNIONENV_UPPER_FORMAT"));

	is_int(ue_op_unlink(at(&A, "a")), 0, T("unlink of a lower file"));
	ok(whiteout_in(form, "a"), T("leaves a whiteout in the form"));
	ok(gone("a"), T("the name is gone"));
	is_str(listing(""), "b e g m r s", T("the listing shows neither the name nor the marker"));

	int flags = O_CREAT | O_WRONLY;
	is_int(ue_op_open_prepare(at(&A, "a"), &flags, 0644), 0, T("create over the whiteout"));
	ok(fx_type("U", "a") == 'f' && !whiteout_in(form, "a") && fx_type("U", ".wh.a") == 0, T("a plain file, no marker left"));
	ok(!gone("a"), T("the name is back"));

	is_int(ue_op_rmdir(at(&A, "e")), 0, T("rmdir of a lower dir"));
	ok(whiteout_in(form, "e"), T("leaves a whiteout"));
	is_int(ue_op_mkdir(at(&A, "e"), 0755), 0, T("mkdir over the whiteout"));
	ok(fx_type("U", "e") == 'd' && opaque_in(form, "e"), T("the new dir is opaque in the form"));
	is_str(listing("e"), "", T("its listing hides the opaque marker"));

	is_int(ue_op_rename(at(&A, "b"), at(&B, "z"), 0), 0, T("rename of a lower file"));
	ok(whiteout_in(form, "b") && fx_type("U", "z") == 'f', T("a whiteout at the old name"));
	ok(gone("b") && !gone("z"), T("the view follows"));

	is_int(ue_op_unlink(at(&A, "m/p")), 0, T("unlink in a lower dir"));
	is_int(ue_op_unlink(at(&A, "m/q")), 0, T("unlink the last name"));
	is_str(listing("m"), "", T("the dir lists empty"));
	is_int(ue_op_rmdir(at(&A, "m")), 0, T("rmdir of a dir that holds only whiteouts"));
	ok(whiteout_in(form, "m"), T("the dir became a whiteout"));

	is_int(ue_op_rename(at(&A, "g"), at(&B, "b"), 0), 0, T("rename of a lower dir over a whiteout"));
	ok(fx_type("U", "b") == 'd' && opaque_in(form, "b") && whiteout_in(form, "g"), T("opaque at the new name, whiteout at the old"));
	is_str(listing("b"), "x", T("the moved dir lists its entry"));
	ok(gone("g"), T("the old name is gone"));

	is_int(ue_op_unlink(at(&A, "r/y")), 0, T("unlink in a lower dir"));
	is_int(ue_op_rename(at(&A, "s"), at(&B, "r"), 0), -ENOTEMPTY, T("rename onto a merged dir that is not empty"));
	is_int(ue_op_unlink(at(&A, "r/w")), 0, T("unlink its last name"));
	is_int(ue_op_rename(at(&A, "s"), at(&B, "r"), 0), 0, T("rename of a lower dir onto the emptied dir"));
	ok(fx_type("U", "r") == 'd' && opaque_in(form, "r") && whiteout_in(form, "s"), T("opaque dir in place, whiteout behind"));
	is_str(listing("r"), "", T("the markers went with the old dir"));
	is_str(listing(""), "a b e r z", T("the root lists what is left"));

	flags = O_CREAT | O_WRONLY;
	if (form == UE_FORM_AUFS) {
		is_int(ue_op_open_prepare(at(&A, ".wh.a"), &flags, 0644), -EINVAL, T("a .wh. name cannot be made"));
		is_int(ue_op_mkdir(at(&A, ".wh..wh..opq"), 0755), -EINVAL, T("nor the opaque marker's"));
	}
	is_str(fx_read("L1", "b"), "two", T("the lower keeps its file"));
	ok(fx_type("L1", "m/p") == 'f' && fx_type("L1", "g/x") == 'f', T("the lower keeps its tree"));
	fx_teardown();
	unsetenv("UNIONENV_UPPER_FORMAT");
#undef T
}

/* The probe leaves nothing behind, the directory's times included. */
static void probe(void)
{
	char dir[] = "/tmp/ue-probe.XXXXXX";
	struct stat before, after;
	ok(mkdtemp(dir) != NULL, "probe: a directory");
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	utimensat(AT_FDCWD, dir, ts, 0);
	stat(dir, &before);
	/* Linux >= 5.8 lets everyone make the whiteout device on ext4/tmpfs */
	is_int(ue_form_probe(dir), UE_FORM_DEVICE, "probe: a plain filesystem takes devices");
	stat(dir, &after);
	ok(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec, "probe: mtime kept");
	/* Two probes at once (two launches on one upper): one that looks at
	 * the times while the other's entry is there waits for the other to
	 * put them back, or it would put back the times that entry gave. */
	int ready[2];
	ok(pipe(ready) == 0, "probe: a pipe");
	pid_t other = fork();
	if (other == 0) {
		char name[64];
		int lk = open(dir, O_RDONLY | O_DIRECTORY);
		flock(lk, LOCK_EX);
		snprintf(name, sizeof name, "%s/other", dir);
		close(open(name, O_CREAT | O_WRONLY, 0600));
		unlink(name);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep(200000);
		utimensat(AT_FDCWD, dir, ts, 0);
		_exit(0);
	}
	char c;
	ok(read(ready[0], &c, 1) == 1, "probe: the other probe's entry is made");
	is_int(ue_form_probe(dir), UE_FORM_DEVICE, "probe: beside another probe");
	stat(dir, &after);
	is_int((int)after.st_mtim.tv_sec, 1000000000, "probe: beside another probe, the directory's own mtime is put back");
	waitpid(other, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	ok(rmdir(dir) == 0, "probe: nothing left in the directory");
	is_int(ue_form_parse("oci"), UE_FORM_AUFS, "oci is another name for aufs");
	is_int(ue_form_parse("bogus"), -1, "an unknown form");
}

void test_form(void)
{
	one_form(UE_FORM_XATTR);
	one_form(UE_FORM_AUFS);
	probe();
}
