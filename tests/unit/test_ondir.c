/* core/ondir.c: a call on a directory made through one O_PATH fd of it
 * (/proc/self/fd/N/.), so that two calls reach the same directory even
 * when a racer moves it between them. */
#include "ondir.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64], seen[128];

/* Moves the directory away, then looks for its file through the path it
 * was given: found only when that path holds the directory itself. */
static int move_then_look(const char *dir)
{
	char from[128], to[128], f[256];
	struct stat st;
	snprintf(seen, sizeof seen, "%s", dir);
	snprintf(from, sizeof from, "%s/d", root);
	snprintf(to, sizeof to, "%s/moved", root);
	if (rename(from, to) < 0)
		return -errno;
	snprintf(f, sizeof f, "%s/f", dir);
	return stat(f, &st) == 0 ? 7 : -errno;
}

static int fails(const char *dir)
{
	(void)dir;
	return -EROFS;
}

void test_ondir(void)
{
	char p[128];
	snprintf(root, sizeof root, "/tmp/ue-unit-ondir.XXXXXX");
	if (!mkdtemp(root)) {
		ok(0, "ondir: mkdtemp");
		return;
	}
	snprintf(p, sizeof p, "%s/d", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/d/f", root);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	snprintf(p, sizeof p, "%s/d", root);
	is_int(ue_on_dir(p, move_then_look), 7, "on_dir: the directory is reached after it moved (fn's result returned)");
	ok(!strncmp(seen, "/proc/self/fd/", 14) && strlen(seen) > 16 && !strcmp(seen + strlen(seen) - 2, "/."),
	   "on_dir: fn is given /proc/self/fd/N/. (%s)", seen);
	is_int(ue_on_dir(p, fails), -ENOENT, "on_dir: a missing directory: the open's error, fn not called");
	snprintf(p, sizeof p, "%s/moved/f", root);
	is_int(ue_on_dir(p, fails), -ENOTDIR, "on_dir: a file is no directory");
	snprintf(p, sizeof p, "%s/moved", root);
	is_int(ue_on_dir(p, fails), -EROFS, "on_dir: fn's error is returned");
	int before = open("/dev/null", O_RDONLY);
	ue_on_dir(p, fails);
	int after = open("/dev/null", O_RDONLY);
	is_int(after, before + 1, "on_dir: the fd is closed after the call");
	close(before);
	close(after);
	snprintf(p, sizeof p, "rm -rf '%s'", root);
	if (system(p) != 0)
		fprintf(stderr, "ondir: cannot remove %s\n", root);
}
