/* The on-disk markers: every name spelled once, and the one reader of each
 * form a layer may be written in.
 *
 * The kernel's overlayfs names its xattrs once, in a table with the
 * privileged (trusted.overlay.*) and unprivileged (user.overlay.*) forms
 * side by side; so does ue_ovl_xattr_table.  Around it: the markers of
 * fuse-overlayfs and of rootless container tools, and aufs/OCI's marker
 * files.  A layer holds its markers in one of three forms (core/form.h):
 *
 *     device  char 0/0 whiteouts, overlay.opaque=y         the kernel's own
 *     xattr   empty file + overlay.whiteout, its directory  the kernel reads it
 *             overlay.opaque=x                              in lower layers
 *     aufs    .wh.NAME files, DIR/.wh..wh..opq              OCI layers
 *
 * Everything that reads a marker (lookup, readdir, copy-up, the preload's
 * xattr calls, the layer tools) asks here; the upper's markers are written
 * by core/mark.c.  An entry is named by a directory fd and a name: name
 * NULL is the fd itself, dfd AT_FDCWD makes name a path.  Each returns
 * -errno on failure unless said otherwise. */
#ifndef UE_MARKERS_H
#define UE_MARKERS_H

#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

/* ---- names ------------------------------------------------------------- */

enum ue_ovl_xattr {
	UE_OVL_OPAQUE,      /* directory: "y" hides what is below, "x" holds xattr whiteouts */
	UE_OVL_REDIRECT,    /* directory: where the layers below hold its content */
	UE_OVL_ORIGIN,      /* the lower file a copy-up came from (a file handle) */
	UE_OVL_IMPURE,      /* directory: holds entries with an origin */
	UE_OVL_METACOPY,    /* file: metadata alone copied up, data below */
	UE_OVL_WHITEOUT,    /* empty file: a whiteout (the xattr form) */
	UE_OVL_WHITEOUTS,   /* directory: holds xattr whiteouts (6.7 drafts) */
	UE_OVL_NLINK,       /* file of a hard-link group in the index: its union link
	                     * count, "U+N"/"U-N" relative to the upper inode's, or
	                     * "L+N" to the lower's (core/index.h) */
	UE_OVL_ORIGIN_OF,   /* directory: a prefix, "origin-of.NAME" the origin of its
	                     * entry NAME, which cannot hold one itself (a symlink,
	                     * a special file: no user. xattr; core/dirorigin.h).
	                     * unionenv's own, in the kernel's private namespace so
	                     * that a kernel mount ignores and hides it */
	UE_OVL_FORM,        /* the upper's root: the form of markers the last start
	                     * chose for it (tools/formpick.c); unionenv's own too */
	UE_OVL_NR
};
/* The columns: a root kernel mount's and an unprivileged one's. */
enum ue_xattr_ns { UE_NS_TRUSTED, UE_NS_USER };

#define UE_OVL_PREFIX_TRUSTED "trusted.overlay."
#define UE_OVL_PREFIX_USER    "user.overlay."
extern const char *const ue_ovl_xattr_table[UE_OVL_NR][2];

/* UE_OVL_USER(OPAQUE) is "user.overlay.opaque". */
#define UE_OVL_USER(x)    (ue_ovl_xattr_table[UE_OVL_##x][UE_NS_USER])
#define UE_OVL_TRUSTED(x) (ue_ovl_xattr_table[UE_OVL_##x][UE_NS_TRUSTED])
/* UE_OVL_NAME(OPAQUE) is "opaque", the name after either prefix. */
#define UE_OVL_NAME(x)    (UE_OVL_USER(x) + sizeof UE_OVL_PREFIX_USER - 1)

/* fuse-overlayfs's own markers (read, never written). */
#define UE_FUSE_PREFIX       "user.fuseoverlayfs."
#define UE_FUSE_OPAQUE       UE_FUSE_PREFIX "opaque"
/* The owner a copy-up could not give (core/override.h). */
#define UE_XATTR_OVERRIDE    "user.containers.override_stat"

/* aufs/OCI: .wh.NAME hides NAME, .wh..wh..opq makes its directory opaque. */
#define UE_AUFS_PREFIX ".wh."
#define UE_AUFS_OPAQUE ".wh..wh..opq"

/* Whether name is an aufs marker (either kind). */
static inline int ue_aufs_is_marker(const char *name)
{
	return strncmp(name, UE_AUFS_PREFIX, sizeof UE_AUFS_PREFIX - 1) == 0;
}
/* The name an aufs marker hides: "NAME" of ".wh.NAME" (the opaque marker
 * included: callers that tell it apart compare with UE_AUFS_OPAQUE). */
static inline const char *ue_aufs_hidden(const char *marker)
{
	return marker + sizeof UE_AUFS_PREFIX - 1;
}
/* ".wh.NAME" for the base name of path (a path or a bare name), the
 * directory part kept: -ENAMETOOLONG when the marker's name would pass
 * NAME_MAX or buf is too small. */
int ue_aufs_marker(char *buf, size_t size, const char *path);

/* Whether an xattr is a marker (overlay's, fuse-overlayfs's, or the owner
 * record) that is the layer's bookkeeping, not the file's: never copied
 * up, listed or set through the union. */
int ue_xattr_is_marker(const char *name);
/* Remove the markers from a listxattr list of len bytes; the new length. */
long ue_xattr_drop_markers(char *list, long len);

/* ---- reading an entry's xattrs ------------------------------------------ */

/* lgetxattr/llistxattr of an entry named as above (not followed).  With a
 * directory fd and a name: getxattrat/listxattrat where the kernel has
 * them (6.13), else through /proc/self/fd/DFD/NAME. */
long ue_xattr_get_at(int dfd, const char *name, const char *attr, void *buf, size_t size);
long ue_xattr_list_at(int dfd, const char *name, char *buf, size_t size);

/* ---- whiteouts ---------------------------------------------------------- */

#define UE_WH_DEVICE 1   /* char device 0/0 */
#define UE_WH_XATTR  2   /* empty regular file + overlay.whiteout */
#define UE_WH_AUFS   4   /* .wh.NAME beside the name */

/* A character device 0/0. */
static inline int ue_is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

/* The whiteout form of an entry that is one by itself (st: its lstat):
 * UE_WH_DEVICE, or, where its directory holds xattr whiteouts (xwh),
 * UE_WH_XATTR; 0 for any other entry. */
int ue_whiteout_inode(int dfd, const char *name, const struct stat *st, int xwh);

/* Whether the directory of path holds the aufs marker of its base name. */
int ue_aufs_hides(const char *path);

/* ---- directories -------------------------------------------------------- */

/* Each xattr marker a directory carries, as read, one bit per form. */
#define UE_DX_OPQ_USER      0x01   /* user.overlay.opaque=y */
#define UE_DX_OPQ_TRUSTED   0x02   /* trusted.overlay.opaque=y */
#define UE_DX_OPQ_FUSE      0x04   /* user.fuseoverlayfs.opaque=y */
#define UE_DX_XWH_USER      0x08   /* user.overlay.opaque=x */
#define UE_DX_XWH_TRUSTED   0x10   /* trusted.overlay.opaque=x */
#define UE_DX_WHITEOUTS     0x20   /* overlay.whiteouts, either column */
#define UE_DX_REDIRECT      0x40   /* overlay.redirect, either column */
/* Read in one listxattr where it fits: most directories have none, and
 * then the question costs one call. */
unsigned ue_dir_xattrs(int dfd, const char *name);

/* What a layer's directory says of itself, in the union's reading:
 * opaque (user opaque=y; trusted opaque=y unless user says x;
 * fuse-overlayfs's; aufs .wh..wh..opq), holding the kernel's xattr
 * whiteouts (opaque=x, or overlay.whiteouts), holding aufs .wh.NAME
 * markers, carrying a redirect (core/redirect.h). */
#define UE_DIR_OPAQUE     1
#define UE_DIR_XWHITEOUTS 2
#define UE_DIR_AUFS       4
#define UE_DIR_REDIRECT   8
/* aufs: UE_AUFS_SCAN reads the directory for markers once (a lower);
 * UE_AUFS_ASSUME takes them as possible and looks for .wh..wh..opq alone
 * (an upper written in that form); 0 does not look. */
#define UE_AUFS_SCAN   1
#define UE_AUFS_ASSUME 2
int ue_dir_markers(const char *real_dir, int aufs);
/* The same with the xattrs read as name in the directory dfd (a lower's
 * held open: no walk of the whole path), the aufs markers at real_dir. */
int ue_dir_markers_at(int dfd, const char *name, const char *real_dir, int aufs);
/* Whether the upper's directory at real (a path, its ancestors resolved
 * by the kernel) is there and hides nothing below it: no opaque mark, no
 * redirect.  One llistxattr: most directories carry no marker at all. */
int ue_upper_dir_plain(const char *real);
/* The same of name in the directory dfd ("." for dfd itself): by
 * listxattrat where the kernel has it (Linux 6.13), which walks no
 * /proc/self/fd path (a third of the time). */
int ue_upper_dir_plain_at(int dfd, const char *name);

/* ---- the kernel's redirect_dir and metacopy ----------------------------- */

/* The redirect stored on an entry (trusted.overlay.redirect when readable,
 * else user.overlay.redirect) into buf: its length, 0 for none,
 * -ENAMETOOLONG for one longer than buf. */
long ue_redirect_read_at(int dfd, const char *name, char *buf, size_t size);
static inline long ue_redirect_read(const char *real, char *buf, size_t size)
{
	return ue_redirect_read_at(AT_FDCWD, real, buf, size);
}

/* Whether an entry is a metadata-only copy-up (overlay.metacopy). */
int ue_is_metacopy_at(int dfd, const char *name);
static inline int ue_is_metacopy(const char *real)
{
	return ue_is_metacopy_at(AT_FDCWD, real);
}

/* Remove the markers of a completed copy-up (metacopy) or of a directory
 * that became opaque (redirect: nothing below is merged any more; where
 * the redirect was the kernel's trusted one, the directory is marked
 * opaque in that form too, so a root kernel mount reads it the same). */
int ue_metacopy_clear(const char *real);
int ue_redirect_clear(const char *real);

#endif
