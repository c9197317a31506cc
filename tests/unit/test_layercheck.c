/* core/layercheck.c: the launcher's rules on the layers, checked again by
 * the library: existing directories named canonically, no lower twice,
 * the upper neither a lower nor inside one, no lower inside the upper,
 * the mount not inside the upper; the reason in one line. */
#include "config.h"
#include "layercheck.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256], why[512];

static const char *in(const char *a)
{
	static char buf[4][PATH_MAX];
	static int n;
	char *b = buf[n++ % 4];
	snprintf(b, PATH_MAX, "%s/%s", root, a);
	return b;
}

/* ue_layers_check of lowers, upper, mount: its result; why kept. */
static int check(const char *lowers, const char *upper, const char *mount)
{
	why[0] = '\0';
	int r = ue_config_load(lowers, upper, mount);
	if (r == 0)
		r = ue_layers_check(why, sizeof why);
	ue_config_reset();
	return r;
}

void test_layercheck(void)
{
	char tmp[64], lowers[3 * PATH_MAX];
	snprintf(tmp, sizeof tmp, "/tmp/ue-unit-lc.XXXXXX");
	if (!mkdtemp(tmp) || !realpath(tmp, root)) {
		ok(0, "layers_check: mkdtemp");
		return;
	}
	mkdir(in("a"), 0755);
	mkdir(in("b"), 0755);
	mkdir(in("u"), 0755);
	mkdir(in("a/sub"), 0755);
	mkdir(in("u/sub"), 0755);
	symlink(in("a"), in("link"));
	close(creat(in("file"), 0644));

	snprintf(lowers, sizeof lowers, "%s:%s", in("a"), in("b"));
	is_int(check(lowers, in("u"), NULL), 0, "layers_check: two lowers and an upper");
	snprintf(lowers, sizeof lowers, "%s:%s", in("a"), in("a"));
	is_int(check(lowers, in("u"), NULL), -EINVAL, "layers_check: a lower twice");
	ok(strstr(why, "twice") != NULL, "layers_check: ... said (%s)", why);
	is_int(check(in("a"), in("a/sub"), NULL), -EINVAL, "layers_check: the upper inside a lower");
	ok(strstr(why, "inside lower") != NULL, "layers_check: ... said (%s)", why);
	is_int(check(in("u/sub"), in("u"), NULL), -EINVAL, "layers_check: a lower inside the upper");
	is_int(check(in("a"), in("a"), NULL), -EINVAL, "layers_check: the upper is a lower");
	is_int(check(in("missing"), in("u"), NULL), -ENOENT, "layers_check: a missing lower");
	ok(strstr(why, "does not exist") != NULL, "layers_check: ... said (%s)", why);
	is_int(check(in("file"), in("u"), NULL), -ENOTDIR, "layers_check: a file is no layer");
	is_int(check(in("link"), in("u"), NULL), -EINVAL, "layers_check: a lower named through a symlink");
	ok(strstr(why, "canonical") != NULL, "layers_check: ... is not canonical (%s)", why);
	is_int(check(in("a"), in("u"), in("u/sub")), -EINVAL, "layers_check: the mount inside the upper");
	is_int(check(in("a"), in("u"), in("b")), 0, "layers_check: another mount");
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "layercheck: cannot remove %s\n", root);
}
