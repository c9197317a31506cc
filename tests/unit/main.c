/* Unit tests of core/: no preload involved.  Prints TAP. */
#include "tap.h"
#include "tests.h"

#include <stdio.h>
#include <string.h>

int tap_n, tap_failed;

/* Each group by the name of the core/ part it tests, in the order they
 * run (the leaves first): `build/unit-tests NAME...` runs those alone. */
static const struct group {
	const char *name;
	void (*run)(void);
} groups[] = {
	{ "path", test_path },         { "layerpath", test_layerpath }, { "longpath", test_longpath },
	{ "procfd", test_procfd },     { "tmpname", test_tmpname },   { "shebang", test_shebang },
	{ "userptr", test_userptr },   { "elfhead", test_elfhead },   { "ondir", test_ondir },
	{ "ring", test_ring },         { "followcache", test_followcache }, { "config", test_config },
	{ "layercheck", test_layercheck }, { "copydata", test_copydata }, { "sharedwhiteout", test_sharedwhiteout },
	{ "shm", test_shm },           { "blocks", test_blocks },  { "strmap", test_strmap },
	{ "namesort", test_namesort }, { "hideseq", test_hideseq },
	{ "lookup", test_lookup },     { "redirect", test_redirect }, { "resolve", test_resolve },
	{ "guard", test_guard },       { "readdir", test_readdir },   { "mark", test_mark },   { "markopaque", test_markopaque },
	{ "opaquetree", test_opaquetree }, { "copyup", test_copyup }, { "ops", test_ops }, { "oprename", test_oprename },
	{ "nodecache", test_nodecache }, { "lowerdirs", test_lowerdirs }, { "lowermarks", test_lowermarks }, { "fdnames", test_fdnames },
	{ "origin", test_origin },     { "markers", test_markers },   { "renames", test_renames },
	{ "lowermap", test_lowermap }, { "cwd", test_cwd },           { "trace", test_trace },
	{ "form", test_form },         { "formnext", test_formnext },         { "perm", test_perm },         { "caller", test_caller },
	{ "override", test_override }, { "followable", test_followable }, { "tmpentry", test_tmpentry },
	{ "races", test_races },       { "races-aufs", test_races_aufs }, { "state", test_state },
	{ "gate", test_gate },         { "index", test_index },       { "dirorigin", test_dirorigin },
};
#define NGROUPS (sizeof groups / sizeof *groups)

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		size_t g = 0;
		while (g < NGROUPS && strcmp(groups[g].name, argv[i]))
			g++;
		if (g == NGROUPS) {
			fprintf(stderr, "unit-tests: no group %s; the groups:", argv[i]);
			for (g = 0; g < NGROUPS; g++)
				fprintf(stderr, " %s", groups[g].name);
			fprintf(stderr, "\n");
			return 2;
		}
	}
	for (size_t g = 0; g < NGROUPS; g++) {
		int wanted = argc == 1;
		for (int i = 1; i < argc && !wanted; i++)
			wanted = !strcmp(groups[g].name, argv[i]);
		if (wanted)
			groups[g].run();
	}
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
