/* The kernel's record of where a copied-up file came from: an overlay file
 * handle of the lower file in user.overlay.origin (the format the kernel
 * writes itself in userxattr mode), so the file keeps its inode number;
 * and the "impure" mark on the directory that holds such files. */
#ifndef UE_ORIGIN_H
#define UE_ORIGIN_H

/* The origin record of the lower file at lower_real (struct ovl_fb: what
 * user.overlay.origin holds, and what the kernel's index names its entries
 * after, in hex): its length, or -errno (no handles on this filesystem). */
#define UE_ORIGIN_FB_MAX 255
/* Its fixed header, before the file handle proper. */
#define UE_ORIGIN_FB_HEADER 21
long ue_origin_fb(const char *lower_real, unsigned char *fb);
/* The same of any entry (not followed): by dfd and path, or with
 * AT_EMPTY_PATH the file dfd is open on (an O_PATH fd too). */
long ue_origin_fb_at(int dfd, const char *path, int flags, unsigned char *fb);
/* The inode number an origin record of n bytes names (ext4-style handles
 * alone name it), or 0. */
unsigned long ue_origin_fb_ino(const unsigned char *fb, long n);

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
/* Whether it is so marked (user.overlay.impure=y, the one ue_origin_ino
 * reads origins beside): only then does a listing ask its entries. */
int ue_dir_impure(const char *upper_dir);

#endif
