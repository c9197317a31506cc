/* The kernel's index (overlayfs index=on, fs/overlayfs/copy_up.c and
 * namei.c): a lower file with several names is copied up once, into the
 * index directory of the work directory (WORK/index, beside the upper, on
 * its filesystem), under the hex of its origin record (the lower's overlay
 * file handle); each name copied up is a hard link of that entry, so the
 * names stay one file.  A name still in the lower whose file has an index
 * entry shows the entry (the lookup finds it by origin).  The union's link
 * count of such a file is in user.overlay.nlink, "U+N": the upper inode's
 * count plus N.  Off when no work directory is given (ue_cfg.index NULL). */
#ifndef UE_INDEX_H
#define UE_INDEX_H

#include <stddef.h>
#include <sys/stat.h>

/* The index entry's real path for the lower file at lower_real: 0, or
 * -errno (no index, no file handle on the lower's filesystem). */
int ue_index_path(const char *lower_real, char *out, size_t size);

/* Make sure the index entry idx holds a copy of the lower file src (data
 * from data_src; none when nodata: the caller truncates), with st's owner,
 * mode and times, its origin and its link count.  0, or -errno (no index
 * can be made here: the caller copies the name alone). */
int ue_index_make(const char *src, const char *data_src, const char *idx, const struct stat *st, int nodata);

/* Link the index entry idx at base in the directory dfd, the union's link
 * count kept (lower_nlink: the lower file's, for an entry that records
 * none).  0, -EEXIST (a racer's copy is there), -errno. */
int ue_index_link(const char *idx, int dfd, const char *base, unsigned long lower_nlink);

/* The index entry of the upper file at upper_real, into out: 0, or -errno
 * (-ENOENT: no index, not a file of it). */
int ue_index_of_upper(const char *upper_real, char *out, size_t size);

/* A name of the file of index entry idx has gone (unlink, rename over):
 * when it was the union's last, the entry goes too. */
void ue_index_name_gone(const char *idx);

/* Whether real is an entry of the index. */
int ue_index_holds(const char *real);

/* The union's link count of the upper file at real whose kernel count is
 * nlink: the recorded one for a file of the index, else nlink.  An entry
 * seen through a lower name may be the file's only upper name (nlink 1). */
unsigned long ue_index_nlink(const char *real, unsigned long nlink);

#endif
