/* core/tmpname.c: the names of work in progress in the upper, and whether
 * one was left by a process that is gone. */
#include "tmpname.h"
#include "tap.h"
#include "tests.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void test_tmpname(void)
{
	char a[256], b[256], want[64];
	is_int(ue_tmp_name(a, sizeof a, "/u/dir"), 0, "tmp_name: made");
	snprintf(want, sizeof want, "/u/dir/" UE_TMP_PREFIX "%d.", (int)getpid());
	ok(!strncmp(a, want, strlen(want)), "tmp_name: in the directory, named by this process (%s)", a);
	ue_tmp_name(b, sizeof b, "/u/dir");
	ok(strcmp(a, b) != 0, "tmp_name: the next one differs");
	ok(ue_tmp_name(a, 12, "/u/dir") < 0, "tmp_name: too long for the buffer: an error");

	ok(ue_is_tmp_name(".unionenv.12.3") && ue_is_tmp_name(".unionenv.probe.5"), "is_tmp_name: ours");
	ok(!ue_is_tmp_name("unionenv.1.2") && !ue_is_tmp_name(".unionenv") && !ue_is_tmp_name(".wh..unionenv.1"),
	   "is_tmp_name: not ours");

	char mine[64], gone[64], probe[64];
	snprintf(mine, sizeof mine, UE_TMP_PREFIX "%d.0", (int)getpid());
	ok(!ue_tmp_name_abandoned(mine), "abandoned: not while its process lives");
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	snprintf(gone, sizeof gone, UE_TMP_PREFIX "%d.4", (int)child);
	ok(ue_tmp_name_abandoned(gone), "abandoned: its process is gone");
	snprintf(probe, sizeof probe, UE_TMP_PREFIX "probe.%d", (int)child);
	ok(ue_tmp_name_abandoned(probe), "abandoned: a probe's name, its process gone");
	ok(!ue_tmp_name_abandoned(UE_TMP_PREFIX "1.0"), "abandoned: not init's (alive, or another user's: EPERM)");
	ok(!ue_tmp_name_abandoned(UE_TMP_PREFIX "0.1") && !ue_tmp_name_abandoned(UE_TMP_PREFIX "x.1") &&
	   !ue_tmp_name_abandoned(UE_TMP_PREFIX "12x") && !ue_tmp_name_abandoned("other"),
	   "abandoned: a name that says nobody is not touched");
}
