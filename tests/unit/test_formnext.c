/* core/formnext.c: the form a process writes its markers in moves on,
 * and only on, where the upper's filesystem refuses one and takes a
 * later one, and never where the launcher named it. */
#include "config.h"
#include "form.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* A kernel overlayfs mount, whose mknod refuses whiteout devices: the
 * next form is the xattr one.  Root only. */
static void on_overlayfs(const char *top)
{
	char l[128], u[128], w[128], m[128], opts[512];
	snprintf(l, sizeof l, "%s/l", top);
	snprintf(u, sizeof u, "%s/u", top);
	snprintf(w, sizeof w, "%s/w", top);
	snprintf(m, sizeof m, "%s/m", top);
	mkdir(l, 0755);
	mkdir(u, 0755);
	mkdir(w, 0755);
	mkdir(m, 0755);
	snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", l, u, w);
	if (geteuid() != 0 || mount("overlay", m, "overlay", 0, opts) < 0) {
		ok(1, "form_next: a filesystem that refuses devices # SKIP needs root to mount overlayfs");
		return;
	}
	ue_cfg.upper_form = UE_FORM_DEVICE;
	ue_cfg.upper_form_given = 0;
	is_int(ue_form_next(m, -EPERM), 1, "form_next: overlayfs refused the device: try again");
	is_int(ue_cfg.upper_form, UE_FORM_XATTR, "form_next: ... in the xattr form");
	is_int(ue_form_next(m, -EPERM), 0, "form_next: refused again in the xattr form: no later form taken there");
	ue_cfg.upper_form = UE_FORM_DEVICE;
	ue_cfg.upper_form_given = 1;
	is_int(ue_form_next(m, -EPERM), 0, "form_next: the launcher named the form: kept");
	is_int(ue_cfg.upper_form, UE_FORM_DEVICE, "form_next: ... unchanged");
	umount(m);
}

void test_formnext(void)
{
	char top[] = "/tmp/ue-formnext.XXXXXX", cmd[64];
	if (!mkdtemp(top)) {
		ok(0, "form_next: a directory");
		return;
	}
	int form = ue_cfg.upper_form, given = ue_cfg.upper_form_given;
	ue_cfg.upper_form = UE_FORM_DEVICE;
	ue_cfg.upper_form_given = 0;
	is_int(ue_form_next(top, -ENOSPC), 0, "form_next: a full filesystem says nothing of forms: no move");
	is_int(ue_form_next(top, -EPERM), 0, "form_next: refused where the filesystem takes devices: no later form");
	is_int(ue_cfg.upper_form, UE_FORM_DEVICE, "form_next: ... the form unchanged");
	ue_cfg.upper_form = UE_FORM_AUFS;
	is_int(ue_form_next(top, -EPERM), 0, "form_next: never back to an earlier form");
	is_int(ue_cfg.upper_form, UE_FORM_AUFS, "form_next: ... still aufs");
	on_overlayfs(top);
	ue_cfg.upper_form = form;
	ue_cfg.upper_form_given = given;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	if (system(cmd) != 0)
		fprintf(stderr, "formnext: cannot remove %s\n", top);
}
