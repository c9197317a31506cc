#include "whiteout.h"
#include "path.h"
#include "sys.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/sysmacros.h>

static int opaque_value(const char *real_dir, const char *name)
{
	char v[2];
	return sys_lgetxattr(real_dir, name, v, sizeof v) == 1 ? v[0] : 0;
}

/* aufs markers in a directory: UE_DIR_AUFS, | UE_DIR_OPAQUE for .wh..wh..opq */
static int aufs_scan(const char *real_dir)
{
	char buf[32768];
	int flags = 0;
	int fd = sys_openat(AT_FDCWD, real_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	long n;
	while ((n = sys_getdents64(fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			off += d->d_reclen;
			if (!strncmp(d->d_name, UE_AUFS_PREFIX, sizeof UE_AUFS_PREFIX - 1))
				flags |= UE_DIR_AUFS | (strcmp(d->d_name, UE_AUFS_OPAQUE) ? 0 : UE_DIR_OPAQUE);
		}
	}
	sys_close(fd);
	return flags;
}

/* Which of the markers a directory's xattrs name, read in one listxattr:
 * most directories have none, and a lookup then costs one call, not five. */
#define HAS_USER_OPAQUE 1
#define HAS_TRUSTED_OPAQUE 2
#define HAS_FUSE_OPAQUE 4
#define HAS_WHITEOUTS 8
#define HAS_REDIRECT 16

static int markers_present(const char *real_dir)
{
	char list[2048];
	long n = sys_llistxattr(real_dir, list, sizeof list);
	if (n == -ERANGE)  /* a long list: ask for each name */
		return HAS_USER_OPAQUE | HAS_TRUSTED_OPAQUE | HAS_FUSE_OPAQUE | HAS_WHITEOUTS | HAS_REDIRECT;
	int has = 0;
	for (long i = 0; i < n; i += (long)strlen(list + i) + 1) {
		const char *x = list + i;
		has |= !strcmp(x, UE_XATTR_OPAQUE) ? HAS_USER_OPAQUE
		     : !strcmp(x, "trusted.overlay.opaque") ? HAS_TRUSTED_OPAQUE
		     : !strcmp(x, "user.fuseoverlayfs.opaque") ? HAS_FUSE_OPAQUE
		     : !strcmp(x, "user.overlay.whiteouts") || !strcmp(x, "trusted.overlay.whiteouts") ? HAS_WHITEOUTS
		     : !strcmp(x, "user.overlay.redirect") || !strcmp(x, "trusted.overlay.redirect") ? HAS_REDIRECT
		     : 0;
	}
	return has;
}

int ue_dir_markers(const char *real_dir, int aufs)
{
	int flags = 0, has = markers_present(real_dir);
	char v = 0;
	if ((has & HAS_USER_OPAQUE) && (v = (char)opaque_value(real_dir, UE_XATTR_OPAQUE)) == 'y')
		flags |= UE_DIR_OPAQUE;
	else if (v != 'x' && (has & HAS_TRUSTED_OPAQUE) && (v = (char)opaque_value(real_dir, "trusted.overlay.opaque")) == 'y')
		flags |= UE_DIR_OPAQUE;
	else if ((has & HAS_FUSE_OPAQUE) && opaque_value(real_dir, "user.fuseoverlayfs.opaque") == 'y')
		flags |= UE_DIR_OPAQUE;
	if (v == 'x' || ((has & HAS_WHITEOUTS) && (sys_lgetxattr(real_dir, "user.overlay.whiteouts", NULL, 0) >= 0 ||
	                                           sys_lgetxattr(real_dir, "trusted.overlay.whiteouts", NULL, 0) >= 0)))
		flags |= UE_DIR_XWHITEOUTS;
	if (has & HAS_REDIRECT)
		flags |= UE_DIR_REDIRECT;
	if (aufs == UE_AUFS_SCAN) {
		flags |= aufs_scan(real_dir);
	} else if (aufs == UE_AUFS_ASSUME) {
		char opq[4096];
		struct stat st;
		flags |= UE_DIR_AUFS;
		if (ue_path_join(opq, sizeof opq, real_dir, UE_AUFS_OPAQUE) == 0 && sys_lstat(opq, &st) == 0)
			flags |= UE_DIR_OPAQUE;
	}
	return flags;
}

int ue_is_xwhiteout(const char *real, const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || st->st_size != 0)
		return 0;
	return sys_lgetxattr(real, UE_XATTR_WHITEOUT, NULL, 0) >= 0 ||
	       sys_lgetxattr(real, "trusted.overlay.whiteout", NULL, 0) >= 0;
}

void ue_set_impure(const char *upper_dir)
{
	char v[2];
	if (sys_lgetxattr(upper_dir, "user.overlay.impure", v, sizeof v) == 1 && v[0] == 'y')
		return;
	sys_lsetxattr(upper_dir, "user.overlay.impure", "y", 1, 0);
}

int ue_tmp_name(char *buf, size_t size, const char *real_dir)
{
	static _Atomic unsigned long counter;
	char name[64];
	snprintf(name, sizeof name, UE_TMP_PREFIX "%d.%lu", (int)getpid(),
	         atomic_fetch_add(&counter, 1));
	return ue_path_join(buf, size, real_dir, name);
}

int ue_tmp_name_abandoned(const char *name)
{
	const char *p = name + sizeof UE_TMP_PREFIX - 1;
	long pid = 0;
	if (strncmp(name, UE_TMP_PREFIX, sizeof UE_TMP_PREFIX - 1))
		return 0;
	if (!strncmp(p, "probe.", 6))
		p += 6;
	for (; *p >= '0' && *p <= '9' && pid < 1L << 22; p++)
		pid = pid * 10 + (*p - '0');
	if (pid <= 0 || (*p != '.' && *p != '\0'))
		return 0;
	/* Signal 0 only asks: EPERM is another user's live process. */
	return UE_SYS(SYS_kill, pid, 0) == -ESRCH;
}

long ue_xattr_drop_markers(char *list, long len)
{
	long o = 0;
	for (long i = 0; i < len;) {
		size_t l = strlen(list + i) + 1;
		if (!ue_xattr_is_marker(list + i)) {
			memmove(list + o, list + i, l);
			o += (long)l;
		}
		i += (long)l;
	}
	return o;
}

int ue_xattr_is_marker(const char *name)
{
	return strncmp(name, "user.overlay.", 13) == 0 || strncmp(name, "user.fuseoverlayfs.", 19) == 0 ||
	       strncmp(name, "trusted.overlay.", 16) == 0 || strcmp(name, "user.containers.override_stat") == 0;
}

/* struct ovl_fb of fs/overlayfs/overlayfs.h: version 0, magic 0xfb, length,
 * flags (0: little endian, lower layer), fid type, filesystem uuid (left
 * null, as the kernel writes it for userxattr mounts here), then the fid. */
#define OVL_FB_HEADER 21
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

void ue_origin_set(const char *lower_real, int upper_fd, const char *upper_real)
{
	struct lower_handle h;
	unsigned char fb[OVL_FB_HEADER + MAX_HANDLE_SZ];
	if (lower_handle(AT_FDCWD, lower_real, 0, &h) < 0 || h.fh.handle_bytes + OVL_FB_HEADER > 255)
		return;  /* no handles on this filesystem: no origin, as the kernel */
	memset(fb, 0, OVL_FB_HEADER);
	fb[1] = 0xfb;
	fb[2] = (unsigned char)(OVL_FB_HEADER + h.fh.handle_bytes);
	fb[4] = (unsigned char)h.fh.handle_type;
	memcpy(fb + OVL_FB_HEADER, h.fid, h.fh.handle_bytes);
	if (upper_fd >= 0)
		sys_fsetxattr(upper_fd, UE_XATTR_ORIGIN, fb, fb[2], 0);
	else
		sys_lsetxattr(upper_real, UE_XATTR_ORIGIN, fb, fb[2], 0);
}

static unsigned long origin_ino_of(const unsigned char *fb, long n)
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
	return origin_ino_of(fb, sys_lgetxattr(upper_real, UE_XATTR_ORIGIN, fb, sizeof fb));
}

unsigned long ue_origin_ino_fd(int fd)
{
	unsigned char fb[OVL_FB_HEADER + MAX_HANDLE_SZ];
	long n = sys_fgetxattr(fd, UE_XATTR_ORIGIN, fb, sizeof fb);
	if (n == -EBADF) {
		/* An O_PATH fd takes no fgetxattr; its /proc link, followed, does. */
		char link[64];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		n = sys_getxattr(link, UE_XATTR_ORIGIN, fb, sizeof fb);
	}
	return origin_ino_of(fb, n);
}

int ue_origin_is(int upper_fd, int lower_fd)
{
	struct lower_handle h;
	unsigned char fb[OVL_FB_HEADER + MAX_HANDLE_SZ];
	long n = sys_fgetxattr(upper_fd, UE_XATTR_ORIGIN, fb, sizeof fb);
	if (n < 0)  /* an upper a root kernel mount wrote */
		n = sys_fgetxattr(upper_fd, "trusted.overlay.origin", fb, sizeof fb);
	if (n < OVL_FB_HEADER || fb[0] != 0 || fb[1] != 0xfb || lower_handle(lower_fd, "", AT_EMPTY_PATH, &h) < 0)
		return 0;
	/* The filesystem uuid is not compared: the kernel leaves it null in
	 * some modes, and both files are on the layers of this union. */
	return fb[4] == (unsigned char)h.fh.handle_type && (size_t)n - OVL_FB_HEADER == h.fh.handle_bytes &&
	       memcmp(fb + OVL_FB_HEADER, h.fid, h.fh.handle_bytes) == 0;
}
