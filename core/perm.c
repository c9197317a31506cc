#include "perm.h"
#include "config.h"
#include "index.h"
#include "layerpath.h"
#include "lookup.h"
#include "override.h"
#include "resolve.h"
#include "sys.h"

#include <limits.h>
#include <unistd.h>

/* The permission bits' answer for the caller: root passes, except to
 * execute a file that no one may execute. */
static int bits_allow(const struct ue_caller *c, mode_t mode, uid_t uid, gid_t gid, int is_dir, int want)
{
	uid_t me = ue_caller_uid(c);
	if (me == 0)
		return (want & X_OK) && !is_dir && !(mode & 0111) ? -EACCES : 0;
	int shift = uid == me ? 6 : ue_caller_in_group(c, gid) ? 3 : 0;
	return ((mode >> shift) & want & 7) == (unsigned)(want & 7) ? 0 : -EACCES;
}

/* st of real as the union shows it: 1 when an owner is recorded in place
 * of the real one (the kernel, which sees the real owner, cannot be asked
 * then). */
static int shown_stat(const char *real, struct stat *st)
{
	struct ue_override o;
	int r = sys_lstat(real, st);
	if (r < 0)
		return r;
	/* An index entry (a lower name showing it) is a copy-up as any. */
	if (st->st_uid == 0 || (ue_layer_of(real) < 0 && !ue_index_holds(real)) || ue_override_get(real, -1, &o) != 1)
		return 0;
	ue_override_apply(&o, st);
	return 1;
}

int ue_may(const struct ue_caller *c, const char *real, int mode)
{
	struct stat st;
	int r;
	if ((r = shown_stat(real, &st)) != 0)
		return r < 0 ? r : bits_allow(c, st.st_mode & 07777, st.st_uid, st.st_gid, S_ISDIR(st.st_mode), mode);
	r = sys_faccessat2(AT_FDCWD, real, mode, AT_EACCESS);
	if (r != -EROFS)
		return r;
	if ((r = sys_lstat(real, &st)) < 0)
		return r;
	return bits_allow(c, st.st_mode & 07777, st.st_uid, st.st_gid, S_ISDIR(st.st_mode), mode);
}

int ue_may_search(const struct ue_caller *c, const struct ue_node *dir, const char *rel)
{
	if (__builtin_expect(ue_node_search_all(dir), 1))
		return 0;
	uid_t me = ue_caller_uid(c);
	if (me == 0 || (me == dir->uid && (dir->mode & S_IXUSR)))
		return 0;  /* root searches anything; ACLs leave the owner's bits */
	if (dir->override)
		return bits_allow(c, dir->mode, dir->uid, dir->gid, 1, X_OK);
	/* The kernel decides the rest: groups, ACLs, capabilities. */
	char real[UE_PATH_MAX];
	int r = ue_real_path(real, sizeof real, dir->layer, rel);
	return r < 0 ? r : ue_may(c, real, X_OK);
}

int ue_may_change_dir_of(const struct ue_caller *c, const char *rel)
{
	char prel[UE_PATH_MAX], real[UE_PATH_MAX];
	struct ue_node parent;
	ue_rel_parent(prel, rel);
	int r = ue_node_at(prel, &parent);
	if (r < 0)
		return r;
	if (!ue_node_exists(&parent))
		return -ENOENT;
	/* Decided from the node where its owner's bits say it all: the node
	 * is coherent (a chmod or chown of a directory is announced), so a
	 * removal or a create in a directory of one's own costs no stat.  Root,
	 * and an owner (ACLs leave the owner's bits), need not ask the kernel;
	 * a recorded owner is the union's and not the kernel's to judge. */
	if (S_ISDIR(parent.type)) {
		uid_t me = ue_caller_uid(c);
		if (me == 0 || (me == parent.uid && (parent.mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR)))
			return 0;
		if (parent.override)
			return bits_allow(c, parent.mode, parent.uid, parent.gid, 1, W_OK | X_OK);
	}
	if ((r = ue_node_real(real, sizeof real, &parent, parent.layer, prel)) < 0)
		return r;
	return ue_may(c, real, W_OK | X_OK);
}

int ue_may_own(const struct ue_caller *c, const char *real)
{
	struct stat st;
	int r = shown_stat(real, &st);
	if (r < 0)
		return r;
	uid_t me = ue_caller_uid(c);
	return me == 0 || st.st_uid == me ? 0 : -EPERM;
}

int ue_may_chown(const struct ue_caller *c, const char *real, uid_t u, gid_t g)
{
	struct stat st;
	if (u == (uid_t)-1 && g == (gid_t)-1)
		return 0;
	int r = shown_stat(real, &st);
	if (r < 0)
		return r;
	uid_t me = ue_caller_uid(c);
	if (me == 0)
		return 0;
	if (u != (uid_t)-1 && (st.st_uid != me || u != st.st_uid))
		return -EPERM;
	if (g != (gid_t)-1 && (st.st_uid != me || (g != st.st_gid && !ue_caller_in_group(c, g))))
		return -EPERM;
	return 0;
}

/* fs.protected_hardlinks, read each time (links are rare; an
 * administrator may change it); 0 when it cannot be read. */
static int protected_hardlinks(void)
{
	char c = '0';
	int fd = sys_openat(AT_FDCWD, "/proc/sys/fs/protected_hardlinks", O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		if (UE_SYS(SYS_read, fd, &c, 1) != 1)
			c = '0';
		sys_close(fd);
	}
	return c != '0';
}

int ue_may_link(const struct ue_caller *c, const char *real)
{
	struct stat st;
	int r = shown_stat(real, &st);
	if (r < 0)
		return r;
	uid_t me = ue_caller_uid(c);
	if (me == 0 || st.st_uid == me || !protected_hardlinks())
		return 0;
	/* The kernel's safe_hardlink_source: checked on the union's file, as
	 * a copy-up would make the caller the owner of the upper copy. */
	if (!S_ISREG(st.st_mode) || (st.st_mode & S_ISUID) || (st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		return -EPERM;
	return ue_may(c, real, R_OK | W_OK) < 0 ? -EPERM : 0;
}
