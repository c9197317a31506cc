/* What a copy-up copies (the kernel's ovl_copy_xattr, ovl_set_attr,
 * ovl_copy_up_file): shared by core/copyup.c and the index (core/index.c). */
#ifndef UE_COPYDATA_H
#define UE_COPYDATA_H

#include <sys/stat.h>
#include <sys/types.h>

/* The xattrs of src (not the overlay's markers) onto dst: by fd when
 * dst_fd >= 0, else by path.  0 or -errno. */
int ue_copy_xattrs(const char *src, const char *dst, int dst_fd);
/* Owner (or its record where it cannot be given), mode and times of st
 * onto dst, by fd when dst_fd >= 0, else by path, not followed. */
int ue_copy_meta(const char *dst, int dst_fd, const struct stat *st);
/* size bytes of data from in to out: a reflink, else copy_file_range,
 * else read/write; holes stay holes. */
int ue_copy_data(int in, int out, off_t size);

#endif
