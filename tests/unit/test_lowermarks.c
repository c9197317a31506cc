/* core/lowermarks.c: what a lower's directories say of themselves, read
 * once and kept (the lowers never change while a union runs), forgotten
 * when the node cache is reset. */
#include "cache.h"
#include "fixture.h"
#include "lowerdirs.h"
#include "lowermarks.h"
#include "markers.h"
#include "state.h"
#include "tap.h"
#include "tests.h"

#include <stdio.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *const tree[] = { "L1 d plain", "L1 d opq", "L1 o opq", "L1 d au", "L1 f au/.wh..wh..opq ", NULL };

void test_lowermarks(void)
{
	char au[4096];
	fx_setup(1, tree);
	is_int(ue_lower_dir_markers(fx_path("L1", "plain"), 1, UE_AUFS_SCAN), 0, "lower_dir_markers: a plain directory");
	is_int(ue_lower_dir_markers(fx_path("L1", "opq"), 1, UE_AUFS_SCAN), UE_DIR_OPAQUE, "lower_dir_markers: opaque");
	snprintf(au, sizeof au, "%s", fx_path("L1", "au"));
	is_int(ue_lower_dir_markers(au, 1, UE_AUFS_SCAN), UE_DIR_AUFS | UE_DIR_OPAQUE, "lower_dir_markers: a lower's aufs markers are looked for");
	/* The lowers never change under a union: a change behind its back is
	 * not read again until the table is flushed. */
	setxattr(fx_path("L1", "plain"), "user.overlay.opaque", "y", 1, 0);
	snprintf(au, sizeof au, "%s/.wh..wh..opq", fx_path("L1", "au"));
	unlink(au);
	is_int(ue_lower_dir_markers(fx_path("L1", "plain"), 1, UE_AUFS_SCAN), 0, "lower_dir_markers: kept, not read again");
	is_int(ue_lower_dir_markers(fx_path("L1", "au"), 1, UE_AUFS_SCAN), UE_DIR_AUFS | UE_DIR_OPAQUE, "lower_dir_markers: ... the aufs scan too");
	ue_lock(UE_LOCK_NODECACHE);
	ue_lower_marks_flush_locked();
	ue_unlock(UE_LOCK_NODECACHE);
	is_int(ue_lower_dir_markers(fx_path("L1", "plain"), 1, UE_AUFS_SCAN), UE_DIR_OPAQUE, "lower_dir_markers: flushed, read anew");
	is_int(ue_lower_dir_markers(fx_path("L1", "au"), 1, UE_AUFS_SCAN), 0, "lower_dir_markers: ... the aufs markers gone");
	setxattr(fx_path("L1", "opq"), "user.overlay.opaque", "n", 1, 0);
	ue_cache_reset();
	is_int(ue_lower_dir_markers(fx_path("L1", "opq"), 1, UE_AUFS_SCAN), 0, "lower_dir_markers: forgotten with the node cache");
	is_int(ue_lower_dir_markers(fx_path("L1", "missing"), 1, UE_AUFS_SCAN), 0, "lower_dir_markers: a missing directory says nothing");
	/* Read through the parent held open (core/lowerdirs.h). */
	ue_lowerdirs_enable();
	struct ue_kname k;
	static const char *const names[] = { "a", "b", "c", "plain" };
	for (int i = 0; i < 4; i++) {
		ue_lowerdir_name(fx_path("L1", names[i]), 1, &k);
		if (i < 3)
			ue_lowerdir_done(&k);
	}
	int held = k.fd >= 900;
	ue_lowerdir_done(&k);
	ue_lock(UE_LOCK_NODECACHE);
	ue_lower_marks_flush_locked();
	ue_unlock(UE_LOCK_NODECACHE);
	ok(held && ue_lower_dir_markers(fx_path("L1", "plain"), 1, UE_AUFS_SCAN) == UE_DIR_OPAQUE &&
	   ue_lower_dir_markers(fx_path("L1", "au"), 1, UE_AUFS_SCAN) == 0,
	   "lower_dir_markers: read through the parent held open, the same answers");
	ue_lowerdirs_reset();
	fx_teardown();
}
