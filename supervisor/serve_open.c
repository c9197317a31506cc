/* open, openat, openat2, creat: the supervisor opens (copy-up and creation
 * included, open_impl) and the fd is injected into the caller as the
 * call's result.  A read-only open outside the union is the kernel's. */
#include "fdswap.h"
#include "procfd.h"
#include "restart.h"
#include "serve.h"
#include "calls.h"
#include "wrap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_reads(int flags)
{
	return (flags & O_ACCMODE) == O_RDONLY && !(flags & (O_CREAT | O_TRUNC)) &&
	       (flags & O_TMPFILE) != O_TMPFILE;
}

/* The kernel opens real in the caller: the call as it is where the
 * caller's own string names it already (as after a restart), else
 * restarted with real (restart.h). */
static long kernel_opens(struct ue_req *q, int argi, const struct sv_path *sp, const char *real)
{
	if (sp->native && !strcmp(real, sp->abs))
		return UE_SV_CONTINUE;
	return ue_restart_with_path(q, argi, real, sp->given);
}

/* The kernel will not inject an O_PATH fd (SECCOMP_IOCTL_NOTIF_ADDFD
 * takes its file with fget, which refuses them: EBADF), and coreutils'
 * cp and mv open their target directory O_PATH.  A directory or regular
 * file the caller may read is given opened for reading instead, which
 * every use of an O_PATH fd accepts (the *at calls, fchdir, fstat): no
 * ptrace.  Anything else (a symlink opened O_NOFOLLOW, a fifo, a device,
 * a file the caller may not read) must be the kernel's own O_PATH open:
 * the call is restarted with the real path (restart.h), as chdir is.  An
 * O_PATH open reads and writes nothing, whatever path a racing thread
 * puts there.  fstat of that fd is served by its real path (serve_stat.c:
 * pidfd_getfd takes O_PATH files), so it shows the kept inode number. */
static long inject_path_fd(struct ue_req *q, int argi, const struct sv_path *sp, long fd, int cloexec)
{
	char proc[64], real[UE_PATH_MAX];
	struct stat st;
	ue_proc_fd(proc, sizeof proc, fd, NULL);
	if (fstat((int)fd, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
		int r = open(proc, O_RDONLY | O_CLOEXEC | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
		if (r >= 0) {
			close((int)fd);
			return sv_inject(q, r, cloexec);
		}
	}
	ssize_t n = readlink(proc, real, sizeof real - 1);
	close((int)fd);
	if (n <= 0 || real[0] != '/')
		return -EBADF;
	real[n] = '\0';
	return kernel_opens(q, argi, sp, real);
}

/* An open that may wait for ever: of a fifo (its reader waits for a
 * writer) or a device, without O_NONBLOCK.  Made here, it would hold the
 * worker that made it, which would serve no one meanwhile; with every
 * worker so held (two readers of two fifos) the whole tree hangs. */
static int open_may_wait(const struct sv_path *sp, int flags)
{
	struct stat st;
	if ((flags & (O_NONBLOCK | O_PATH)) || (flags & O_TMPFILE) == O_TMPFILE ||
	    (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return 0;
	return ue_call_fstatat(AT_FDCWD, sp->abs, &st, (flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0) == 0 &&
	       (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode));
}

/* So the kernel makes that open itself, in the caller, which it may keep
 * waiting as it would natively (a signal interrupts it there): the call
 * is restarted with the real path, as an O_PATH open of such a file is,
 * once prepared as the preload prepares its open (a lower's fifo is
 * brought up: core/ops.c). */
static long open_in_kernel(struct ue_req *q, int argi, const struct sv_path *sp, int flags, mode_t mode)
{
	char real[UE_PATH_MAX];
	long r = ue_open_kernel_path(AT_FDCWD, sp->abs, flags, mode, real, sizeof real);
	return r < 0 ? r : kernel_opens(q, argi, sp, real);
}

static long serve_open(struct ue_req *q, int dirfd, int argi, int flags, mode_t mode)
{
	struct sv_path sp;
	int r = sv_path_unchecked(q, dirfd, argi, &sp);
	if (r < 0)
		return r;
	if (open_reads(flags) && sv_read_outside(&sp, !(flags & O_NOFOLLOW)))
		return UE_SV_CONTINUE;
	if ((r = sv_checked(q)) < 0 || (r = ue_caller_become(q, flags & (O_CREAT | O_TMPFILE))) < 0)
		return r;
	if (open_may_wait(&sp, flags))
		return open_in_kernel(q, argi, &sp, flags, mode);
	/* Ours is close-on-exec always; the caller's as it asked. */
	long fd = ue_call_openat(AT_FDCWD, sp.abs, flags | O_CLOEXEC, mode);
	/* open_impl tracked it, as the preload's would, when it is open
	 * read-only on a lower's file: it follows a copy-up (fdswap.h). */
	char rel[UE_PATH_MAX];
	struct ue_fd_mark mark;
	if (fd >= 0 && ue_fdtab_take((int)fd, rel, sizeof rel, &mark))
		return sv_inject_lower(q, fd, flags & O_CLOEXEC, rel, mark);
	if (fd >= 0 && (flags & O_PATH))
		return inject_path_fd(q, argi, &sp, fd, flags & O_CLOEXEC);
	return sv_inject(q, fd, flags & O_CLOEXEC);
}

long sv_open(struct ue_req *q)
{
	return serve_open(q, AT_FDCWD, 0, (int)ue_arg(q, 1), (mode_t)ue_arg(q, 2));
}

long sv_openat(struct ue_req *q)
{
	return serve_open(q, ue_arg_fd(q, 0), 1, (int)ue_arg(q, 2), (mode_t)ue_arg(q, 3));
}

long sv_creat(struct ue_req *q)
{
	return serve_open(q, AT_FDCWD, 0, O_CREAT | O_WRONLY | O_TRUNC, (mode_t)ue_arg(q, 1));
}

/* A lock belongs to the open file: the copy the supervisor keeps of an fd
 * it may move would hold it past the caller's close.  That fd no longer
 * follows a copy-up; the kernel locks. */
long sv_flock(struct ue_req *q)
{
	ue_fdswap_forget(q, ue_arg_fd(q, 0));
	return UE_SV_CONTINUE;
}

long sv_openat2(struct ue_req *q)
{
	struct open_how how = { 0 };
	size_t size = (size_t)ue_arg(q, 3);
	if (size < sizeof how)
		return -EINVAL;
	if (ue_caller_read(q, ue_arg(q, 2), &how, sizeof how) < 0)
		return -EFAULT;
	if (how.resolve) {
		/* RESOLVE_BENEATH and friends bound the kernel's walk; outside
		 * the union it may still make it, inside there is none to bound. */
		struct sv_path sp;
		int r = sv_path(q, ue_arg_fd(q, 0), 1, &sp);
		if (r < 0)
			return r;
		return open_reads((int)how.flags) && sv_read_outside(&sp, !(how.flags & O_NOFOLLOW)) ? UE_SV_CONTINUE
		                                                                                   : -ENOSYS;
	}
	return serve_open(q, ue_arg_fd(q, 0), 1, (int)how.flags, (mode_t)how.mode);
}
