/* close, dup and fcntl: the calls that end or copy an fd keep the table of
 * fds open on a lower file (fdtab.h) and the table of fds' union names
 * (core/fdnames.h) right.  A dup shares the open file with its original,
 * so on the kernel's overlayfs it too shows the new data after a copy-up. */
#include "fdtab.h"
#include "fdnames.h"
#include "impl.h"
#include "lowerdirs.h"

/* The names of fds are kept (core/fdnames.h) only where these wrappers
 * see every close and dup: in the preload, not in the supervisor, which
 * links the implementations but closes its own fds directly. */
__attribute__((constructor)) static void fdnames_on(void)
{
	ue_fdnames_enable();
	ue_lowerdirs_enable();
}

UE_EXPORT int close(int fd)
{
	ue_fd_closed(fd);
	return LIBC(close)(fd);
}

/* libc closes a stream's fd inside, where no wrapper sees it. */
UE_EXPORT int fclose(FILE *f)
{
	ue_fd_closed(ue_file_fd(f));
	return LIBC(fclose)(f);
}

UE_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		ue_lowerdirs_forget_range(first, last);
	int r = LIBC(close_range)(first, last, flags);
	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		ue_fd_range_closed(first, last);
	return r;
}

UE_EXPORT void closefrom(int lowfd)
{
	if (lowfd >= 0)
		ue_lowerdirs_forget_range((unsigned)lowfd, ~0U);
	LIBC(closefrom)(lowfd);
	if (lowfd >= 0)
		ue_fd_range_closed((unsigned)lowfd, ~0U);
}

UE_EXPORT int dup(int fd)
{
	int r = LIBC(dup)(fd);
	if (r >= 0)
		ue_fd_duped(fd, r);
	return r;
}

UE_EXPORT int dup2(int fd, int newfd)
{
	if (fd != newfd)
		ue_lowerdirs_forget(newfd);
	int r = LIBC(dup2)(fd, newfd);
	if (r >= 0)
		ue_fd_duped(fd, r);
	return r;
}

UE_EXPORT int dup3(int fd, int newfd, int flags)
{
	if (fd != newfd)
		ue_lowerdirs_forget(newfd);
	int r = LIBC(dup3)(fd, newfd, flags);
	if (r >= 0)
		ue_fd_duped(fd, r);
	return r;
}

/* The argument is an int or a pointer: passed on as glibc's own fcntl
 * takes it. */
#define FCNTL(name)                                                             \
	UE_EXPORT int name(int fd, int cmd, ...)                                \
	{                                                                       \
		va_list ap;                                                     \
		va_start(ap, cmd);                                              \
		void *arg = va_arg(ap, void *);                                 \
		va_end(ap);                                                     \
		int r = LIBC(name)(fd, cmd, arg);                               \
		if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))       \
			ue_fd_duped(fd, r);                                     \
		return r;                                                       \
	}
FCNTL(fcntl)
FCNTL(fcntl64)
