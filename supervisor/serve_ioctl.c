/* The ioctls that change a file's inode through any fd of it, one open
 * read-only included, for its owner: its flags (chattr's FS_IOC_SETFLAGS),
 * its fsxattr (FS_IOC_FSSETXATTR: flags, project, extent size) and its
 * generation (FS_IOC_SETVERSION).  An fd the supervisor injected on a
 * lower's file is such an fd: `chattr +d FILE` changed the lower's inode.
 * They are served here as the kernel's overlayfs serves them
 * (ovl_fileattr_set), by the preload's own implementation
 * (inode_ioctl_impl, preload/attr.c): on a lower's file, the owner
 * checked, copy-up, and the change made on the upper copy; on any other
 * file, on the caller's own open file (pidfd_getfd), never continued (a
 * racing thread could put a lower's file at that fd number first).  The
 * filter sends only these commands (filter.c, preload/inodeioctl.h);
 * every other ioctl is the kernel's. */
#include "impl.h"
#include "inodeioctl.h"
#include "serve.h"

#include <errno.h>
#include <unistd.h>

const unsigned ue_sv_ioctl_cmds[UE_SV_IOCTL_CMDS] = UE_INODE_IOCTLS;
_Static_assert(UE_SV_IOCTL_CMDS == UE_INODE_IOCTL_COUNT, "the filter's ioctls are inodeioctl.h's");

long sv_ioctl(struct ue_req *q)
{
	unsigned cmd = (unsigned)ue_arg(q, 1);
	struct fsxattr arg;  /* the largest argument; the others are an int */
	size_t len = cmd == FS_IOC_FSSETXATTR ? sizeof(struct fsxattr) : sizeof(int);
	if (ue_caller_read(q, ue_arg(q, 2), &arg, len) < 0)
		return -EFAULT;
	int c = ue_caller_fd(q, ue_arg_fd(q, 0));
	if (c < 0)
		return c;
	long r = ue_caller_become(q, 0);
	if (r == 0)
		r = inode_ioctl_impl(c, cmd, &arg);
	close(c);
	return r;
}
