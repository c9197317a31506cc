/* Unit tests of core/: no preload involved.  Prints TAP. */
#include "tap.h"
#include "tests.h"

#include <stdio.h>

int tap_n, tap_failed;

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_path();
	test_longpath();
	test_config();
	test_lookup();
	test_redirect();
	test_resolve();
	test_readdir();
	test_ops();
	test_cache();
	test_origin();
	test_markers();
	test_renames();
	test_forms();
	test_perm();
	test_caller();
	test_override();
	test_followable();
	test_tmpentry();
	test_races();
	test_state();
	test_gate();
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
