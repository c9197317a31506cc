/* core/markopaque.c: directories made opaque in the upper's form, their
 * whiteouts dropped where the caller asks (set_opaque_clean). */
#include "config.h"
#include "fixture.h"
#include "mark.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

static const char *const tree[] = {
	"U d dir", "U w dir/w1", "U w dir/w2", "U f dir/kept k", "U d sdir", "U f sdir/x x", "U d adir", NULL
};

void test_markopaque(void)
{
	fx_setup(1, tree);
	is_int(ue_set_opaque(fx_path("U", "sdir")), 0, "set_opaque: marked");
	ok(fx_opaque("U", "sdir") && fx_type("U", "sdir/x") == 'f', "set_opaque: user.overlay.opaque=y, the entries kept");
	is_int(ue_set_opaque_clean(fx_path("U", "dir")), 0, "set_opaque_clean: marked");
	ok(fx_opaque("U", "dir") && !fx_type("U", "dir/w1") && !fx_type("U", "dir/w2") && fx_type("U", "dir/kept") == 'f',
	   "set_opaque_clean: opaque, its whiteouts dropped, the rest kept");
	is_int(ue_set_opaque(fx_path("U", "none")), -ENOENT, "set_opaque: no directory there: ENOENT");

	/* The aufs form: a marker inside, which leaves the directory's own
	 * times as they were. */
	struct stat before, after;
	ue_cfg.upper_form = UE_FORM_AUFS;
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	utimensat(AT_FDCWD, fx_path("U", "adir"), ts, 0);
	stat(fx_path("U", "adir"), &before);
	is_int(ue_set_opaque(fx_path("U", "adir")), 0, "set_opaque (aufs): marked");
	stat(fx_path("U", "adir"), &after);
	ok(fx_type("U", "adir/.wh..wh..opq") == 'f', "set_opaque (aufs): the .wh..wh..opq marker inside");
	ok(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
	   "set_opaque (aufs): the directory's mtime kept");
	ue_cfg.upper_form = UE_FORM_DEVICE;
	fx_teardown();
}
