/* Origins held by the directory: the identity of a copied-up entry that
 * cannot hold its own origin record (issue 13).
 *
 * A copy-up keeps a file's inode number by the kernel's origin record,
 * user.overlay.origin, on the copy (core/origin.h).  A symlink, a fifo, a
 * socket or a device takes no user. xattr, so its copy would get a new
 * inode number (the kernel's userxattr mounts lose it too; a root mount
 * keeps it in trusted.overlay.origin).  Here the record sits on the upper
 * directory that holds the entry, one xattr per name:
 *
 *     user.overlay.origin-of.NAME = ORIGIN UPPER
 *
 * ORIGIN the lower file's overlay file handle (struct ovl_fb, what
 * user.overlay.origin holds), UPPER the same of the upper entry itself:
 * a record counts only while the entry at NAME is that very inode, so a
 * record left behind (a crash between a rename and its record's move, a
 * kernel mount's rename or unlink) never gives its identity to another
 * entry made at the name, even one that reuses the inode number (the
 * handle holds the generation).  The record moves with the name: rename
 * moves it, exchange swaps two, link copies it, unlink and replacement
 * drop it; a rename of the directory takes its records along.  A kernel
 * mount ignores it and hides it (the user.overlay. prefix is its private
 * namespace); the layer tools pass over it as a marker.
 *
 * Paths are of entries in the upper (real paths, or /proc/self/fd/N/NAME);
 * the record is on their parent directory.  A name too long for an xattr
 * name (XATTR_NAME_MAX, with the prefix) gets no record. */
#ifndef UE_DIRORIGIN_H
#define UE_DIRORIGIN_H

#include <stddef.h>
#include <sys/stat.h>

/* Whether an entry of this type keeps its origin on its directory. */
static inline int ue_dirorigin_kind(mode_t mode) { return !S_ISREG(mode) && !S_ISDIR(mode); }

/* The record's xattr name for name in buf: 0, or -ENAMETOOLONG. */
int ue_dirorigin_key(char *buf, size_t size, const char *name);

/* A record value of n bytes: the lower's origin and the upper entry's
 * handle, each a struct ovl_fb.  0 when well formed, else -EINVAL. */
int ue_dirorigin_parse(const unsigned char *v, long n, const unsigned char **origin, const unsigned char **upper);

/* Record that the upper entry at real was copied up from lower_real.
 * 0 or -errno (no file handles, a name too long, no room for xattrs:
 * the entry simply has no recorded origin). */
int ue_dirorigin_set(const char *real, const char *lower_real);

/* The lower inode number recorded for the upper entry at real, 0 when
 * none is (or the record names another inode).  By fd: the entry an fd
 * (O_PATH too) is open on, real its path. */
unsigned long ue_dirorigin_ino(const char *real);
unsigned long ue_dirorigin_ino_fd(int fd, const char *real);

/* Whether the record value v (n bytes) belongs to the entry name of the
 * directory dfd: 1 yes, 0 stale (another inode, malformed), -errno. */
int ue_dirorigin_valid_at(int dfd, const char *name, const unsigned char *v, long n);

/* After a rename of from_real to to_real (both upper paths): the record
 * of the moved entry goes with it, the one of the entry it replaced goes;
 * exchange: the two swap. */
void ue_dirorigin_renamed(const char *from_real, const char *to_real, int exchange);
/* After link(from_real, to_real): the new name gets the same record. */
void ue_dirorigin_linked(const char *from_real, const char *to_real);
/* The entry at real was removed (or replaced by a whiteout). */
void ue_dirorigin_drop(const char *real);

/* Whether the upper directory at real_dir holds records (readdir asks
 * once, not per entry).  1 also when it cannot tell. */
int ue_dirorigin_any(const char *real_dir);

#endif
