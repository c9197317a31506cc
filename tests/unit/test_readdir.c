/* core/readdir.c: the merged listing of a directory. */
#include "config.h"
#include "fixture.h"
#include "lookup.h"
#include "readdir.h"
#include "redirect.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void test_readdir(void)
{
	fx_setup(2, fx_merged_tree);
	struct ue_node n;
	struct ue_dirlist l;
	char names[512] = "";
	ue_node_at("", &n);
	is_int(ue_dir_list("", &n, &l), 0, "list the root");
	for (size_t i = 0; i < l.n; i++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s ", l.ent[i]->name);
	is_str(names, ". .. a abs dir file lnk loop1 loop2 only2 opq up ",
	       "merged, deduplicated, whiteouts hidden, sorted");
	ue_dir_free(&l);
	ue_node_at("dir", &n);
	ue_dir_list("dir", &n, &l);
	is_int(l.n, 4, "dir merges x and y");
	ue_dir_free(&l);
	ue_node_at("opq", &n);
	ue_dir_list("opq", &n, &l);
	ok(l.n == 3 && !strcmp(l.ent[2]->name, "new"), "opaque dir lists the upper only");
	ue_dir_free(&l);
	fx_teardown();
}
