/* Copy-up (the kernel's copy_up.c): bring a name from a lower into the upper
 * with its data, mode, owner (where permitted), times and xattrs, so that
 * it can be changed there.  Atomic: the new entry is prepared out of sight
 * (an O_TMPFILE, or a temporary name) and linked or renamed into place; when
 * two processes race, one wins and both see its result. */
#ifndef UE_COPYUP_H
#define UE_COPYUP_H

#include "caller.h"
#include "node.h"

#define UE_COPYUP_NODATA 1    /* the caller truncates to 0 at once */

/* Who copies up.  The kernel's overlayfs copies up with the mounter's
 * credentials (ovl_override_creds), once the caller's own were checked:
 * a user who may create in a root-owned sticky directory of a lower gets
 * the directory brought up into the root-owned upper, owned by root.  A
 * client that acts with another process's credentials (the supervisor, as
 * root, serving a caller that dropped to another user) sets this hook:
 * called with 1 before a copy-up (every function below, the permission
 * checks of ue_copy_up_tree excepted) and 0 after, on the same thread,
 * nested calls counted once.  NULL (the preload): the copy-up is made as
 * the process is. */
extern void (*ue_copy_up_as_owner)(int begin);

/* Make sure rel (which exists in the union) is in the upper.  *n is updated. */
int ue_copy_up(const char *rel, struct ue_node *n, int flags);

/* Before the name rel (node n) is whited out or renamed over: a lower
 * file with other names is copied up first, into the index (core/index.h),
 * so that the union's link count it records drops with the name, as the
 * kernel's ovl_nlink_start does.  0 for any other node. */
int ue_copy_up_linked(const char *rel, struct ue_node *n);

/* Make sure every directory above rel is in the upper. */
int ue_copy_up_parents(const char *rel);

/* Copy up rel and everything below it, whiteouts dropped and the directory
 * marked opaque: what a directory from a lower needs before it can move.
 * -EACCES, nothing copied, when caller c may not read all of it. */
int ue_copy_up_tree(const struct ue_caller *c, const char *rel, struct ue_node *n);

#endif
