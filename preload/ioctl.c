/* ioctl(2): the commands that change a file's inode through any fd of it
 * (inodeioctl.h: chattr's FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR,
 * FS_IOC_SETVERSION) are served in the union: through an fd open on a
 * lower's file (any open, read-only included) they changed the lower's
 * inode; now the owner is checked, the file copied up and the change made
 * on the upper copy, as the kernel's overlayfs does (attr.c,
 * inode_ioctl_impl).  Every other command costs three compares of the
 * command and the bit test of fdtab.h: an fd open on a lower's file first
 * follows a copy-up of it, as a read does, so FS_IOC_GETFLAGS through the
 * fd chattr used shows its change, as on the kernel's overlayfs.
 *
 * Hand-written (W_CUSTOM), not generated: ioctl is variadic.  Its third
 * argument is an int or a pointer, passed on as glibc's own ioctl takes it.
 * Not linked into the supervisor, which calls libc's ioctl itself. */
#include "impl.h"
#include "fdtab.h"
#include "inodeioctl.h"
#include "trace.h"

#include <sys/ioctl.h>

UE_EXPORT int ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	ue_fd_follow(fd);
	if (__builtin_expect(!ue_inode_ioctl(cmd), 1))
		return LIBC(ioctl)(fd, cmd, arg);
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return LIBC(ioctl)(fd, cmd, arg);
	}
	if (ue_trace_on)
		ue_trace_begin("ioctl");
	long r = inode_ioctl_impl(fd, cmd, arg);
	if (ue_trace_on)
		ue_trace_end(r, 0, 0);
	ue_leave();
	return (int)ue_done(r, saved);
}
