/* core/mark.c: the upper's markers written in the upper's form: whiteouts
 * made, replacing an entry, dropped; renames that leave a whiteout or
 * land on one; the aufs form's reserved names (opaque directories:
 * test_markopaque.c). */
#include "config.h"
#include "fixture.h"
#include "mark.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const tree[] = {
	"U f file data", "U d gone", "U w gone/w",
	"U f from f", "U w over", "U f src s", "U d sdir", "U f sdir/x x", NULL
};

static const char *rd(const char *layer, const char *rel)
{
	const char *s = fx_read(layer, rel);
	return s ? s : "(none)";
}

void test_mark(void)
{
	fx_setup(1, tree);
	int plain = -1;
	is_int(ue_make_whiteout(fx_path("U", "new"), &plain, 0), 0, "make_whiteout: made");
	is_int(fx_type("U", "new"), 'w', "make_whiteout: a char 0/0 device (the device form)");
	ok(plain == 1, "make_whiteout: its directory found plain");
	is_int(ue_make_whiteout(fx_path("U", "new"), NULL, 0), -EEXIST, "make_whiteout: a name taken: EEXIST");
	ue_drop_whiteout(fx_path("U", "new"));
	is_int(fx_type("U", "new"), 0, "drop_whiteout: gone");
	ue_drop_whiteout(fx_path("U", "file"));
	is_str(fx_read("U", "file"), "data", "drop_whiteout: a file is no whiteout: kept");

	is_int(ue_whiteout_replace(fx_path("U", "file"), 0), 0, "whiteout_replace: a file gives way");
	is_int(fx_type("U", "file"), 'w', "whiteout_replace: ... to a whiteout");
	is_int(ue_whiteout_replace(fx_path("U", "gone"), 1), 0, "whiteout_replace: a directory of markers alone");
	is_int(fx_type("U", "gone"), 'w', "whiteout_replace: ... gives way too");
	is_int(fx_tmp_names(""), 0, "whiteout_replace: no temporary name left");

	is_int(ue_rename_marked(fx_path("U", "from"), fx_path("U", "to"), UE_MV_WHITEOUT), 0, "rename_marked: with a whiteout");
	ok(fx_type("U", "from") == 'w' && !strcmp(rd("U", "to"), "f"), "rename_marked: moved, a whiteout at the old name");
	is_int(ue_rename_marked(fx_path("U", "src"), fx_path("U", "over"), UE_MV_OVER), 0, "rename_marked: over a whiteout");
	ok(!fx_type("U", "src") && !strcmp(rd("U", "over"), "s"), "rename_marked: the whiteout replaced, nothing left behind");
	is_int(ue_rename_marked(fx_path("U", "sdir"), fx_path("U", "ddir"), UE_MV_DIR | UE_MV_WHITEOUT), 0,
	       "rename_marked: a directory");
	ok(fx_type("U", "sdir") == 'w' && fx_type("U", "ddir/x") == 'f', "rename_marked: ... moved whole, a whiteout behind");

	ok(!ue_name_reserved(".wh.x") && !ue_hidden_beside(fx_path("U", "to")), "the device form reserves no name");
	fx_teardown();

	static const char *const aufs[] = { "U f .wh.hidden ", "U f shown s", NULL };
	setenv("UNIONENV_UPPER_FORMAT", "aufs", 1);
	fx_setup(1, aufs);
	ok(ue_name_reserved(".wh.x") && ue_name_reserved(".wh..wh..opq") && !ue_name_reserved("x.wh."),
	   "name_reserved: the aufs form's markers");
	ok(ue_hidden_beside(fx_path("U", "hidden")) && !ue_hidden_beside(fx_path("U", "shown")),
	   "hidden_beside: a marker beside the name hides it");
	is_int(ue_make_whiteout(fx_path("U", "w"), NULL, 0), 0, "make_whiteout: in the aufs form");
	ok(fx_type("U", ".wh.w") == 'f' && !fx_type("U", "w"), "make_whiteout: ... a .wh. file beside the name");
	unsetenv("UNIONENV_UPPER_FORMAT");
	fx_teardown();
}
