#include "perm.h"
#include "lookup.h"
#include "sys.h"

#include <limits.h>
#include <unistd.h>

static int in_group(gid_t gid)
{
	gid_t groups[NGROUPS_MAX];
	if (gid == getegid())
		return 1;
	int n = getgroups(NGROUPS_MAX, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

int ue_may(const char *real, int mode)
{
	int r = (int)UE_SYS(SYS_faccessat2, AT_FDCWD, real, mode, AT_EACCESS);
	if (r != -EROFS)
		return r;
	struct stat st;
	if ((r = sys_lstat(real, &st)) < 0)
		return r;
	if (geteuid() == 0)
		return 0;
	int shift = st.st_uid == geteuid() ? 6 : in_group(st.st_gid) ? 3 : 0;
	return ((st.st_mode >> shift) & mode & 7) == (unsigned)(mode & 7) ? 0 : -EACCES;
}

int ue_may_search(const struct ue_node *dir, const char *rel)
{
	if (__builtin_expect(ue_node_search_all(dir), 1))
		return 0;
	uid_t me = geteuid();
	if (me == 0 || (me == dir->uid && (dir->mode & S_IXUSR)))
		return 0;  /* root searches anything; ACLs leave the owner's bits */
	/* The kernel decides the rest: groups, ACLs, capabilities. */
	char real[PATH_MAX];
	int r = ue_real(real, sizeof real, dir->layer, rel);
	return r < 0 ? r : ue_may(real, X_OK);
}

int ue_may_change_dir_of(const char *rel)
{
	char prel[PATH_MAX], real[PATH_MAX];
	struct ue_node parent;
	ue_rel_parent(prel, rel);
	int r = ue_node_at(prel, &parent);
	if (r < 0)
		return r;
	if (!ue_node_exists(&parent))
		return -ENOENT;
	if ((r = ue_real(real, sizeof real, parent.layer, prel)) < 0)
		return r;
	return ue_may(real, W_OK | X_OK);
}

int ue_may_own(const char *real)
{
	struct stat st;
	int r = sys_lstat(real, &st);
	if (r < 0)
		return r;
	return geteuid() == 0 || st.st_uid == geteuid() ? 0 : -EPERM;
}
