/* The on-disk markers of the kernel's overlayfs: whiteouts and opaque
 * directories, in the unprivileged (user.*) format, read also in the
 * privileged (trusted.*) one. */
#ifndef UE_WHITEOUT_H
#define UE_WHITEOUT_H

#include <stddef.h>
#include <sys/stat.h>

#define UE_XATTR_OPAQUE "user.overlay.opaque"
#define UE_XATTR_WHITEOUT "user.overlay.whiteout"

/* A character device 0/0. */
static inline int ue_is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

/* What a layer's directory says of itself, in every form a layer may be
 * written in: opaque (user.overlay.opaque=y, trusted.overlay.opaque=y,
 * user.fuseoverlayfs.opaque=y, aufs .wh..wh..opq), holding the kernel's
 * xattr whiteouts (opaque=x, or overlay.whiteouts), holding aufs .wh.NAME
 * markers (found by reading a lower's directory once). */
#define UE_DIR_OPAQUE     1
#define UE_DIR_XWHITEOUTS 2
#define UE_DIR_AUFS       4
#define UE_DIR_REDIRECT   8   /* carries overlay.redirect (core/redirect.h) */
/* aufs: UE_AUFS_SCAN reads the directory for markers once (a lower);
 * UE_AUFS_ASSUME takes them as possible and looks for .wh..wh..opq alone
 * (an upper written in that form); 0 does not look. */
#define UE_AUFS_SCAN   1
#define UE_AUFS_ASSUME 2
int ue_dir_markers(const char *real_dir, int aufs);

/* The kernel's xattr whiteout: an empty regular file marked
 * overlay.whiteout, in a directory marked as holding them. */
int ue_is_xwhiteout(const char *real, const struct stat *st);

#define UE_AUFS_PREFIX ".wh."
#define UE_AUFS_OPAQUE ".wh..wh..opq"
/* Writing markers into the upper: core/mark.h. */
/* The kernel's record of where a copied-up file came from: an overlay file
 * handle of the lower file in user.overlay.origin (the format the kernel
 * writes itself in userxattr mode), so the file keeps its inode number. */
#define UE_XATTR_ORIGIN "user.overlay.origin"
void ue_origin_set(const char *lower_real, int upper_fd, const char *upper_real);
/* The lower inode number recorded on an upper entry (by path or fd), or 0. */
unsigned long ue_origin_ino(const char *upper_real);
unsigned long ue_origin_ino_fd(int fd);
/* Whether the upper file upper_fd was copied up from the file lower_fd is
 * open on (its origin names that file).  1 yes, 0 no or cannot tell. */
int ue_origin_is(int upper_fd, int lower_fd);

/* Mark an upper directory "impure": it holds entries with an origin, so the
 * kernel must look up their inode numbers when it lists it. */
void ue_set_impure(const char *upper_dir);

/* Names the copy-up and rename machinery uses for work in progress; hidden
 * from listings, found and removed by fsck. */
#define UE_TMP_PREFIX ".unionenv."
int ue_tmp_name(char *buf, size_t size, const char *real_dir);
/* Whether a temporary name was left by a process that is gone (a crash):
 * the name says whose it is.  A live process's work in progress, or a
 * name that says nobody, is not to be touched. */
int ue_tmp_name_abandoned(const char *name);
/* Whether an xattr is an overlay marker (or the owner record of
 * override.h) that must not be copied up. */
int ue_xattr_is_marker(const char *name);
/* Remove the markers from a listxattr list of len bytes: the overlay's own
 * attributes are not the file's.  Returns the new length. */
long ue_xattr_drop_markers(char *list, long len);

#endif
