/* Origin records: the kernel's overlay file handle (origin.h). */
#include "origin.h"
#include "markers.h"
#include "procfd.h"
#include "sys.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* struct ovl_fb of fs/overlayfs/overlayfs.h: version 0, magic 0xfb, length,
 * flags (0: little endian, lower layer), fid type, filesystem uuid (left
 * null, as the kernel writes it for userxattr mounts here), then the fid. */
#define OVL_FB_HEADER UE_ORIGIN_FB_HEADER
#define FILEID_INO32_GEN 1

struct lower_handle {
	struct file_handle fh;
	unsigned char fid[MAX_HANDLE_SZ];
};

/* The kernel's file handle of a lower file: by path, or with AT_EMPTY_PATH
 * of dirfd itself.  0 or -errno (no handles on this filesystem). */
static int lower_handle(int dirfd, const char *path, int flags, struct lower_handle *h)
{
	int mount_id;
	h->fh.handle_bytes = MAX_HANDLE_SZ;
	return sys_name_to_handle_at(dirfd, path, &h->fh, &mount_id, flags);
}

long ue_origin_fb(const char *lower_real, unsigned char *fb)
{
	return ue_origin_fb_at(AT_FDCWD, lower_real, 0, fb);
}

long ue_origin_fb_at(int dfd, const char *path, int flags, unsigned char *fb)
{
	struct lower_handle h;
	int r = lower_handle(dfd, path, flags, &h);
	if (r < 0)
		return r;
	if (h.fh.handle_bytes + OVL_FB_HEADER > 255)
		return -EOVERFLOW;
	memset(fb, 0, OVL_FB_HEADER);
	fb[1] = 0xfb;
	fb[2] = (unsigned char)(OVL_FB_HEADER + h.fh.handle_bytes);
	fb[4] = (unsigned char)h.fh.handle_type;
	memcpy(fb + OVL_FB_HEADER, h.fid, h.fh.handle_bytes);
	return fb[2];
}

void ue_origin_set(const char *lower_real, int upper_fd, const char *upper_real)
{
	unsigned char fb[UE_ORIGIN_FB_MAX];
	if (ue_origin_fb(lower_real, fb) < 0)
		return;  /* no handles on this filesystem: no origin, as the kernel */
	if (upper_fd >= 0)
		sys_fsetxattr(upper_fd, UE_OVL_USER(ORIGIN), fb, fb[2], 0);
	else
		sys_lsetxattr(upper_real, UE_OVL_USER(ORIGIN), fb, fb[2], 0);
}

unsigned long ue_origin_fb_ino(const unsigned char *fb, long n)
{
	/* Only ext4-style handles (32-bit inode, generation) name the inode. */
	if (n != OVL_FB_HEADER + 8 || fb[0] != 0 || fb[1] != 0xfb || fb[4] != FILEID_INO32_GEN)
		return 0;
	uint32_t ino;
	memcpy(&ino, fb + OVL_FB_HEADER, sizeof ino);
	return ino;
}

unsigned long ue_origin_ino(const char *upper_real)
{
	unsigned char fb[OVL_FB_HEADER + MAX_HANDLE_SZ];
	return ue_origin_fb_ino(fb, sys_lgetxattr(upper_real, UE_OVL_USER(ORIGIN), fb, sizeof fb));
}

unsigned long ue_origin_ino_fd(int fd)
{
	unsigned char fb[OVL_FB_HEADER + MAX_HANDLE_SZ];
	long n = sys_fgetxattr(fd, UE_OVL_USER(ORIGIN), fb, sizeof fb);
	if (n == -EBADF) {
		/* An O_PATH fd takes no fgetxattr; its /proc link, followed, does. */
		char link[64];
		ue_proc_fd(link, sizeof link, fd, NULL);
		n = sys_getxattr(link, UE_OVL_USER(ORIGIN), fb, sizeof fb);
	}
	return ue_origin_fb_ino(fb, n);
}

int ue_origin_is(int upper_fd, int lower_fd)
{
	struct lower_handle h;
	unsigned char fb[OVL_FB_HEADER + MAX_HANDLE_SZ];
	long n = sys_fgetxattr(upper_fd, UE_OVL_USER(ORIGIN), fb, sizeof fb);
	if (n < 0)  /* an upper a root kernel mount wrote */
		n = sys_fgetxattr(upper_fd, UE_OVL_TRUSTED(ORIGIN), fb, sizeof fb);
	if (n < OVL_FB_HEADER || fb[0] != 0 || fb[1] != 0xfb || lower_handle(lower_fd, "", AT_EMPTY_PATH, &h) < 0)
		return 0;
	/* The filesystem uuid is not compared: the kernel leaves it null in
	 * some modes, and both files are on the layers of this union. */
	return fb[4] == (unsigned char)h.fh.handle_type && (size_t)n - OVL_FB_HEADER == h.fh.handle_bytes &&
	       memcmp(fb + OVL_FB_HEADER, h.fid, h.fh.handle_bytes) == 0;
}

int ue_dir_impure(const char *upper_dir)
{
	char v[2];
	return sys_lgetxattr(upper_dir, UE_OVL_USER(IMPURE), v, sizeof v) == 1 && v[0] == 'y';
}

void ue_set_impure(const char *upper_dir)
{
	if (ue_dir_impure(upper_dir))
		return;
	sys_lsetxattr(upper_dir, UE_OVL_USER(IMPURE), "y", 1, 0);
}
