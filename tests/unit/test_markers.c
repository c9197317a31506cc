/* core/markers.c: every name once, and one reader of each form, shared by
 * the core (paths) and the layer tools (a directory fd and a name).  The
 * expected names are spelled out here on purpose: the table is what is
 * under test. */
#include "fixture.h"
#include "markers.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *const tree[] = {
	"L1 d plain", "L1 f plain/f x",
	"L1 d xw", "L1 x xw user.overlay.opaque=x", "L1 f xw/gone ", "L1 f xw/kept data",
	"L1 d both", "L1 x both user.overlay.opaque=x", "L1 x both user.fuseoverlayfs.opaque=y",
	"L1 d red", "L1 x red user.overlay.redirect=/elsewhere",
	"L1 d au", "L1 f au/.wh.hidden ", "L1 f au/.wh..wh..opq ",
	"U d opq", "U o opq", "U w wh", NULL
};

static void names(void)
{
	is_str(UE_OVL_USER(OPAQUE), "user.overlay.opaque", "the user column of the table");
	is_str(UE_OVL_TRUSTED(REDIRECT), "trusted.overlay.redirect", "the trusted column beside it");
	is_str(UE_OVL_NAME(METACOPY), "metacopy", "a marker's name after either prefix");
	for (int i = 0; i < UE_OVL_NR; i++)
		ok(ue_ovl_xattr_table[i][UE_NS_USER] && ue_ovl_xattr_table[i][UE_NS_TRUSTED] &&
		   !strcmp(ue_ovl_xattr_table[i][UE_NS_USER] + strlen(UE_OVL_PREFIX_USER),
		           ue_ovl_xattr_table[i][UE_NS_TRUSTED] + strlen(UE_OVL_PREFIX_TRUSTED)),
		   "marker %d has both forms, of one name", i);
	ok(ue_xattr_is_marker("user.overlay.origin") && ue_xattr_is_marker("trusted.overlay.opaque") &&
	   ue_xattr_is_marker("user.fuseoverlayfs.opaque") && ue_xattr_is_marker("user.containers.override_stat"),
	   "the markers are the layer's bookkeeping");
	ok(!ue_xattr_is_marker("user.mime_type") && !ue_xattr_is_marker("security.selinux"),
	   "a file's own xattrs are not");
	char buf[PATH_MAX], big[NAME_MAX + 1];
	ok(ue_aufs_marker(buf, sizeof buf, "/l/dir/name") == 0 && !strcmp(buf, "/l/dir/.wh.name"),
	   "the aufs marker sits beside the name");
	ok(ue_aufs_marker(buf, sizeof buf, "name") == 0 && !strcmp(buf, ".wh.name"), "of a bare name too");
	memset(big, 'n', NAME_MAX - 2);
	big[NAME_MAX - 2] = '\0';
	is_int(ue_aufs_marker(buf, sizeof buf, big), -ENAMETOOLONG, "a name with no room for the prefix has none");
	ok(ue_aufs_is_marker(".wh..wh..opq") && !strcmp(ue_aufs_hidden(".wh.x"), "x") && !ue_aufs_is_marker("x.wh."),
	   "an aufs marker and the name it hides");
}

static void directories(void)
{
	char p[PATH_MAX];
	is_int(ue_dir_markers(fx_path("L1", "plain"), UE_AUFS_SCAN), 0, "a plain directory says nothing");
	is_int(ue_dir_markers(fx_path("U", "opq"), 0), UE_DIR_OPAQUE, "opaque=y: opaque");
	is_int(ue_dir_markers(fx_path("L1", "xw"), 0), UE_DIR_XWHITEOUTS, "opaque=x: holds xattr whiteouts");
	is_int(ue_dir_markers(fx_path("L1", "both"), 0), UE_DIR_XWHITEOUTS | UE_DIR_OPAQUE,
	       "fuse-overlayfs's opaque counts beside the kernel's x");
	is_int(ue_dir_markers(fx_path("L1", "red"), 0), UE_DIR_REDIRECT, "a redirect is noted");
	is_int(ue_dir_markers(fx_path("L1", "au"), UE_AUFS_SCAN), UE_DIR_AUFS | UE_DIR_OPAQUE,
	       "a lower's aufs markers, read once");
	is_int(ue_dir_markers(fx_path("L1", "au"), 0), 0, "and not looked for when not asked");
	int fd = open(fx_path("L1", "both"), O_RDONLY | O_DIRECTORY);
	is_int(ue_dir_xattrs(fd, NULL), UE_DX_XWH_USER | UE_DX_OPQ_FUSE, "each form as read, by fd");
	close(fd);
	fd = open(fx_path("L1", ""), O_RDONLY | O_DIRECTORY);
	is_int(ue_dir_xattrs(fd, "red"), UE_DX_REDIRECT, "by a directory fd and a name");
	is_int(ue_redirect_read_at(fd, "red", p, sizeof p), 10, "the redirect's value, by fd and name");
	is_str(p, "/elsewhere", "as written");
	close(fd);
	is_int(ue_redirect_read(fx_path("L1", "plain"), p, sizeof p), 0, "no redirect: 0");
}

static void whiteouts(void)
{
	struct stat st;
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s", fx_path("L1", "xw/gone"));
	if (setxattr(p, "user.overlay.whiteout", "y", 1, 0) < 0) {
		ok(1, "# skip the filesystem takes no user xattrs");
		return;
	}
	ok(lstat(p, &st) == 0 && ue_whiteout_inode(AT_FDCWD, p, &st, 1) == UE_WH_XATTR,
	   "an empty file with overlay.whiteout, in a directory that holds them");
	ok(ue_whiteout_inode(AT_FDCWD, p, &st, 0) == 0, "elsewhere it is an empty file");
	int fd = open(fx_path("L1", "xw"), O_RDONLY | O_DIRECTORY);
	ok(fstatat(fd, "gone", &st, AT_SYMLINK_NOFOLLOW) == 0 && ue_whiteout_inode(fd, "gone", &st, 1) == UE_WH_XATTR,
	   "the same read by a directory fd and a name");
	ok(fstatat(fd, "kept", &st, AT_SYMLINK_NOFOLLOW) == 0 && ue_whiteout_inode(fd, "kept", &st, 1) == 0,
	   "a file with data is no whiteout");
	close(fd);
	snprintf(p, sizeof p, "%s", fx_path("U", "wh"));
	ok(lstat(p, &st) == 0 && ue_whiteout_inode(AT_FDCWD, p, &st, 0) == UE_WH_DEVICE, "a char device 0/0");
	snprintf(p, sizeof p, "%s", fx_path("L1", "au/hidden"));
	ok(ue_aufs_hides(p), "an aufs marker hides the name beside it");
	snprintf(p, sizeof p, "%s", fx_path("L1", "au/other"));
	ok(!ue_aufs_hides(p), "and no other");
}

void test_markers(void)
{
	fx_setup(1, tree);
	names();
	directories();
	whiteouts();
	fx_teardown();
}
