/* The ioctls that change a file's inode through any fd of it, one open
 * read-only included, for its owner: its flags (chattr's FS_IOC_SETFLAGS),
 * its fsxattr (FS_IOC_FSSETXATTR: flags, project, extent size) and its
 * generation (FS_IOC_SETVERSION).  Through an fd open on a lower's file
 * they would change the lower.  Spelled once here for the preload's
 * wrapper (preload/ioctl.c), its raw syscall() (rawcall.c) and the
 * supervisor's filter (supervisor/filter.c); compared by the low word of
 * the command, as the kernel takes it.  Every other ioctl is the
 * kernel's. */
#ifndef UE_INODEIOCTL_H
#define UE_INODEIOCTL_H

#include <linux/fs.h>

#define UE_INODE_IOCTL_COUNT 3
#define UE_INODE_IOCTLS { FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR, FS_IOC_SETVERSION }

static inline int ue_inode_ioctl(unsigned long cmd)
{
	unsigned c = (unsigned)cmd;
	return c == FS_IOC_SETFLAGS || c == FS_IOC_FSSETXATTR || c == FS_IOC_SETVERSION;
}

/* One of those on fd (the argument already in this process's memory): on
 * a lower's file, the owner checked, the file copied up and the change
 * made on the upper copy, as the kernel's overlayfs does
 * (ovl_fileattr_set); on any other file, on fd itself.  0 or -errno.
 * preload/attr.c; the supervisor serves its callers' with it too. */
long inode_ioctl_impl(int fd, unsigned long cmd, void *arg);

#endif
