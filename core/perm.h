/* Permission checks made before anything is copied up, with the caller's
 * credentials (core/caller.h), as the kernel makes them on the overlay's
 * inode: an operation that is refused leaves the upper as it was.
 *
 * Where the kernel is asked (groups, ACLs, capabilities: ue_may), it
 * answers for the thread that asks: a client that passes another
 * process's credentials acts as that process first (the supervisor sets
 * its fsuid, fsgid and groups per request). */
#ifndef UE_PERM_H
#define UE_PERM_H

#include "caller.h"
#include "node.h"

/* May the caller access the real file in this way (R_OK, W_OK, X_OK)?
 * A lower on a read-only filesystem counts by its mode bits: writes go to
 * the upper.  0 or -EACCES (or another -errno). */
int ue_may(const struct ue_caller *c, const char *real, int mode);

/* May the caller create or remove names in the union directory above rel? */
int ue_may_change_dir_of(const struct ue_caller *c, const char *rel);

/* May the caller change the metadata of a file owned by st_uid
 * (chmod, utimes with explicit times)?  0 or -EPERM. */
int ue_may_own(const struct ue_caller *c, const char *real);

/* May the caller give the file at real the owner u and group g (-1:
 * unchanged)?  The kernel's chown_ok and chgrp_ok: an unchanged id needs
 * nothing (chown(path, -1, -1) is anyone's), the owner may keep its uid and
 * pick a group it is in, root anything.  0 or -EPERM. */
int ue_may_chown(const struct ue_caller *c, const char *real, uid_t u, gid_t g);

/* May the caller look names up in the union directory dir at rel?  The
 * kernel checks search permission on every directory of a walk against
 * the overlay's inode; a cached lookup makes no real one.  0 or -EACCES. */
int ue_may_search(const struct ue_caller *c, const struct ue_node *dir, const char *rel);

/* May the caller make another name for the file at real?  The kernel's
 * may_linkat under fs.protected_hardlinks: the owner, root, or a regular
 * file that is not set-id and that the caller may read and write.  0 or
 * -EPERM. */
int ue_may_link(const struct ue_caller *c, const char *real);

#endif
