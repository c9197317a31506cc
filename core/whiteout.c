#include "whiteout.h"
#include "path.h"
#include "sys.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

int ue_is_opaque(const char *real_dir)
{
	char v[2];
	if (sys_lgetxattr(real_dir, UE_XATTR_OPAQUE, v, sizeof v) == 1 && v[0] == 'y')
		return 1;
	/* Layers written by a privileged mount, readable as root. */
	if (sys_lgetxattr(real_dir, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y')
		return 1;
	return 0;
}

int ue_set_opaque(const char *real_dir)
{
	return sys_lsetxattr(real_dir, UE_XATTR_OPAQUE, "y", 1, 0);
}

int ue_make_whiteout(const char *real)
{
	return sys_mknodat(AT_FDCWD, real, S_IFCHR | 0000, makedev(0, 0));
}

int ue_tmp_name(char *buf, size_t size, const char *real_dir)
{
	static _Atomic unsigned long counter;
	char name[64];
	snprintf(name, sizeof name, UE_TMP_PREFIX "%d.%lu", (int)getpid(),
	         atomic_fetch_add(&counter, 1));
	return ue_path_join(buf, size, real_dir, name);
}

int ue_xattr_is_marker(const char *name)
{
	return strncmp(name, "user.overlay.", 13) == 0 ||
	       strncmp(name, "trusted.overlay.", 16) == 0;
}
