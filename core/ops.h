/* The union's mutations (the kernel's dir.c and inode.c): each takes paths
 * resolved inside the union (where == UE_UNION) and returns 0 or -errno.
 * They check what the union view demands (EEXIST, ENOTEMPTY, EISDIR...),
 * bring what they need into the upper, do the change there, leave whiteouts
 * and opaque markers, and announce the change to every cache. */
#ifndef UE_OPS_H
#define UE_OPS_H

#include <sys/types.h>
#include "resolve.h"

/* Before an open with *flags: an existing file the open writes is copied up
 * (data skipped when it truncates); a missing one gets its parents in the
 * upper, and over a whiteout it is made here at once (O_EXCL then dropped
 * from *flags).  p->real names what to open.  Returns 1 when the open itself
 * creates the name: the caller announces it with ue_changed() after. */
int ue_op_open_prepare(struct ue_path *p, int *flags, mode_t mode);

/* Copy up before a change of data or metadata (chmod, utimes, truncate,
 * setxattr...); nodata when the file is about to be emptied. */
int ue_op_change_prepare(struct ue_path *p, int nodata);

int ue_op_mkdir(struct ue_path *p, mode_t mode);
int ue_op_mknod(struct ue_path *p, mode_t mode, dev_t dev);
int ue_op_symlink(const char *target, struct ue_path *p);
int ue_op_unlink(struct ue_path *p);
int ue_op_rmdir(struct ue_path *p);
int ue_op_rename(struct ue_path *from, struct ue_path *to, unsigned flags);
int ue_op_link(struct ue_path *from, struct ue_path *to);
/* Name in the union, at to, a file of the upper that has no name of its
 * own (an O_TMPFILE made in the union), reached by fdlink
 * (/proc/self/fd/N). */
int ue_op_link_unnamed(const char *fdlink, struct ue_path *to);

/* An entry that came from a lower (it has an origin) now sits in the
 * upper directory of union path rel: tell the kernel, as its own rename
 * and link do (ops.c; rename is core/oprename.c). */
void ue_set_impure_parent(const char *rel);

#endif
