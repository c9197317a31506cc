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

static char token[UE_LAYERS_TOKEN];

/* ue_layers_check of lowers, upper, mount, after a check whose token was
 * seen (or none): its result; why and the token kept. */
static int check_after(const char *seen, const char *lowers, const char *upper, const char *mount)
{
	why[0] = '\0';
	int r = ue_config_load(lowers, upper, mount);
	if (r == 0)
		r = ue_layers_check(seen, why, sizeof why, token);
	ue_config_reset();
	return r;
}

static int check(const char *lowers, const char *upper, const char *mount)
{
	return check_after(NULL, lowers, upper, mount);
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

	/* The token: what a child is given, and what lets it skip /proc. */
	char first[UE_LAYERS_TOKEN], then[UE_LAYERS_TOKEN];
	mkdir(in("x"), 0755);
	mkdir(in("x/a"), 0755);
	snprintf(lowers, sizeof lowers, "%s:%s", in("x/a"), in("b"));
	is_int(check(lowers, in("u"), NULL), 0, "layers_check: token: a first check");
	ok(strlen(token) == 16 && strspn(token, "0123456789abcdef") == 16, "layers_check: ... gives a token (%s)", token);
	snprintf(first, sizeof first, "%s", token);
	is_int(check_after(first, lowers, in("u"), NULL), 0, "layers_check: token: the child's check passes");
	is_str(token, first, "layers_check: ... and gives the same token");
	is_int(check_after(first, in("link"), in("u"), NULL), -EINVAL, "layers_check: token: other names are checked in full");
	ok(strstr(why, "canonical") != NULL, "layers_check: ... and refused (%s)", why);
	is_int(check_after(first, lowers, in("x/a"), NULL), -EINVAL, "layers_check: token: a broken rule is refused");
	is_int(check_after("0123456789abcdef", lowers, in("u"), NULL), 0, "layers_check: a token of nothing: full check");
	is_str(token, first, "layers_check: ... which gives the real token");
	/* The same name, another directory: not the parent's layers. */
	rename(in("b"), in("b.old"));
	mkdir(in("b"), 0755);
	is_int(check_after(first, lowers, in("u"), NULL), 0, "layers_check: token: a layer made anew passes");
	ok(strcmp(token, first) != 0, "layers_check: ... with a token of its own");
	snprintf(then, sizeof then, "%s", token);
	/* What the quick look takes on trust: the names are as canonical as
	 * the parent found them.  An ancestor made a symlink to the same
	 * directory since is not seen (the full check would refuse it): the
	 * proof that a child does not read the names through /proc. */
	rename(in("x"), in("y"));
	symlink(in("y"), in("x"));
	is_int(check_after(then, lowers, in("u"), NULL), 0, "layers_check: token: the child does not read /proc");
	is_int(check(lowers, in("u"), NULL), -EINVAL, "layers_check: ... which the full check does");

	/* The launcher's token (ue_layers_token): the full check's, with the
	 * names taken as canonical; the rules on where layers lie still hold. */
	char made[UE_LAYERS_TOKEN];
	rename(in("x"), in("x.link"));
	rename(in("y"), in("x"));
	is_int(check(lowers, in("u"), NULL), 0, "layers_token: the full check's token first");
	is_int(ue_config_load(lowers, in("u"), NULL), 0, "layers_token: loaded");
	is_int(ue_layers_token(why, sizeof why, made), 0, "layers_token: made");
	ue_config_reset();
	is_str(made, token, "layers_token: ... the full check's");
	is_int(ue_config_load(in("a"), in("a/sub"), NULL), 0, "layers_token: loaded, the upper inside the lower");
	is_int(ue_layers_token(why, sizeof why, made), -EINVAL, "layers_token: ... refused");
	ue_config_reset();
	is_str(made, "", "layers_token: ... with no token");
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "layercheck: cannot remove %s\n", root);
}
