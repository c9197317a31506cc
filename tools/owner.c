/* The owners an ordinary user's copy-up recorded (core/override.h), read
 * and written by the layer tools (layer.h). */
#include "layer.h"
#include "markers.h"
#include "override.h"
#include "progress.h"
#include "tmpname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

int fstatat_shown(int dfd, const char *name, struct stat *st)
{
	char v[128];
	struct ue_override o;
	if (fstatat(dfd, name ? name : ".", st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	ssize_t n = S_ISREG(st->st_mode) || S_ISDIR(st->st_mode) ? xa_get(dfd, name, UE_XATTR_OVERRIDE, v, sizeof v) : -1;
	if (n > 0 && ue_override_parse(v, (size_t)n, &o) == 0)
		ue_override_apply(&o, st);
	return 0;
}

int put_owner(int dfd, const char *name, const struct stat *want)
{
	const char *b = name ? name : ".";
	if (fchownat(dfd, b, want->st_uid, want->st_gid, AT_SYMLINK_NOFOLLOW) == 0) {
		lremovexattr(fdpath(dfd, name), UE_XATTR_OVERRIDE);
		return 0;
	}
	int err = errno;
	struct ue_override o = { want->st_uid, want->st_gid, want->st_mode & 07777 };
	char v[128];
	int n = ue_override_format(v, sizeof v, want->st_mode, &o);
	if ((S_ISREG(want->st_mode) || S_ISDIR(want->st_mode)) && err == EPERM)
		lsetxattr(fdpath(dfd, name), UE_XATTR_OVERRIDE, v, (size_t)n, 0);
	return -err;
}
