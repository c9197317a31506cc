/* The parts of a copy-up that copy (core/copydata.h). */
#include "copydata.h"
#include "markers.h"
#include "override.h"
#include "sys.h"

#include <linux/fs.h>
#include <string.h>

/* Copy the xattrs of src (except overlay markers) onto dst, by fd when
 * dst_fd >= 0 (an unnamed O_TMPFILE), else by path.  Errors on security.*
 * and trusted.* are expected as an ordinary user. */
int ue_copy_xattrs(const char *src, const char *dst, int dst_fd)
{
	char list[8192], val[8192];
	long n = sys_llistxattr(src, list, sizeof list);
	if (n == -ENOTSUP || n == -ENODATA)
		return 0;
	if (n < 0)
		return (int)n;
	for (char *name = list; name < list + n; name += strlen(name) + 1) {
		if (ue_xattr_is_marker(name))
			continue;
		long v = sys_lgetxattr(src, name, val, sizeof val);
		if (v < 0)
			continue;
		int r = dst_fd >= 0 ? sys_fsetxattr(dst_fd, name, val, (size_t)v, 0)
		                    : sys_lsetxattr(dst, name, val, (size_t)v, 0);
		/* An upper that holds no xattrs at all (exfat) loses them, as
		 * the kernel's copy-up does. */
		if (r < 0 && r != -EOPNOTSUPP && strncmp(name, "user.", 5) == 0)
			return r;
	}
	return 0;
}

/* The owner of st onto dst.  An ordinary user cannot give a file away:
 * the owner and mode are then recorded as rootless container tools record
 * them (override.h), on the types that take user xattrs; best effort. */
static int copy_owner(const char *dst, int dst_fd, const struct stat *st)
{
	int r = dst_fd >= 0 ? sys_fchown(dst_fd, st->st_uid, st->st_gid)
	                    : sys_fchownat(AT_FDCWD, dst, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
	if (r != -EPERM && r != -EINVAL)
		return r;
	if (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)) {
		struct ue_override o = { st->st_uid, st->st_gid, st->st_mode & 07777 };
		ue_override_set(dst_fd >= 0 ? NULL : dst, dst_fd, st->st_mode, &o);
	}
	return 0;
}

/* Owner, mode and times of st onto dst: by fd when dst_fd >= 0, else by
 * path, not followed.  Owner first: chown clears set-id bits. */
int ue_copy_meta(const char *dst, int dst_fd, const struct stat *st)
{
	int is_link = S_ISLNK(st->st_mode);
	int r = copy_owner(dst, dst_fd, st);
	if (r < 0)
		return r;
	if (!is_link) {
		r = dst_fd >= 0 ? sys_fchmod(dst_fd, st->st_mode & 07777) : sys_fchmodat(AT_FDCWD, dst, st->st_mode & 07777);
		if (r < 0)
			return r;
	}
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	return dst_fd >= 0 ? sys_utimensat(dst_fd, NULL, ts, 0) : sys_utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW);
}

/* Data from in to out, trying a reflink, then copy_file_range, then
 * read/write; holes stay holes. */
int ue_copy_data(int in, int out, off_t size)
{
	if (sys_ioctl(out, FICLONE, in) == 0)
		return 0;
	off_t pos = 0;
	while (pos < size) {
		off_t data = sys_lseek(in, pos, SEEK_DATA);
		if (data == -ENXIO)
			break;
		if (data < 0)
			data = pos;
		off_t hole = sys_lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			hole = size;
		off_t ip = data, op = data;
		while (ip < hole) {
			long n = sys_copy_file_range(in, &ip, out, &op, (size_t)(hole - ip));
			if (n == 0)
				break;
			if (n > 0)
				continue;
			/* Different filesystems or no support: copy by hand. */
			char buf[65536];
			long rn = sys_pread(in, buf, sizeof buf < (size_t)(hole - ip) ? sizeof buf : (size_t)(hole - ip), ip);
			if (rn <= 0)
				return rn < 0 ? (int)rn : -EIO;
			if (sys_lseek(out, ip, SEEK_SET) < 0)
				return -EIO;
			for (long done = 0; done < rn;) {
				long w = sys_write(out, buf + done, (size_t)(rn - done));
				if (w < 0)
					return (int)w;
				done += w;
			}
			ip += rn;
			op = ip;
		}
		pos = hole;
	}
	/* A trailing hole: set the size. */
	return sys_ftruncate(out, size);
}

