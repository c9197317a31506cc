/* The ioctls that change a file's inode through any fd of it, one open
 * read-only included, for its owner: its flags (chattr's FS_IOC_SETFLAGS),
 * its fsxattr (FS_IOC_FSSETXATTR: flags, project, extent size) and its
 * generation (FS_IOC_SETVERSION).  An fd the supervisor injected on a
 * lower's file is such an fd: `chattr +d FILE` changed the lower's inode.
 * They are served here as the kernel's overlayfs serves them
 * (ovl_fileattr_set): on a lower's file, the owner checked, copy-up, and
 * the change made on the upper copy; on any other file, on the caller's
 * own open file (pidfd_getfd), never continued (a racing thread could
 * put a lower's file at that fd number first).  The filter sends only
 * these commands (filter.c); every other ioctl is the kernel's. */
#include "impl.h"
#include "ops.h"
#include "perm.h"
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

const unsigned ue_sv_ioctl_cmds[UE_SV_IOCTL_CMDS] = { FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR, FS_IOC_SETVERSION };

/* The change on the upper copy of the lower file p (the fd's). */
static long on_upper_copy(struct ue_req *q, struct ue_path *p, unsigned cmd, void *arg)
{
	long r = ue_may_own(&q->who, p->real);
	if (r == 0)
		r = ue_op_change_prepare(p, 0);
	if (r < 0)
		return r;
	int u = open(ue_kreal(p), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (u < 0)
		return -errno;
	r = ioctl(u, cmd, arg) < 0 ? -errno : 0;
	close(u);
	return r;
}

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
	struct ue_path p;
	long r = ue_caller_become(q, 0);
	if (r == 0 && ue_fd_in_lower(c, &p))
		r = on_upper_copy(q, &p, cmd, &arg);
	else if (r == 0)
		r = ioctl(c, cmd, &arg) < 0 ? -errno : 0;
	close(c);
	return r;
}
