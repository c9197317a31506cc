/* Races of tree operations in the upper (issue 9, tests/scenarios/
 * race-tree.sh), each played at the one moment that left debris there
 * (tests/unit/racer.h): a whiteout that hides nothing, or a temporary
 * name left behind.  The racer does what a racing `mv -T`, `rm -rf` or
 * `mkdir -p` does in the upper at that moment. */
#include "config.h"
#include "fixture.h"
#include "mark.h"
#include "ops.h"
#include "racer.h"
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

static char gdir[1024], hdir[1024];

static void setup(const char *form)
{
	setenv("UNIONENV_UPPER_FORMAT", form, 1);
	fx_setup(1, tree);
	snprintf(gdir, sizeof gdir, "%s", fx_path("U", "g"));
	snprintf(hdir, sizeof hdir, "%s", fx_path("U", "h"));
}

static void teardown(void)
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
}
