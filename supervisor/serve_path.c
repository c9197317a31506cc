/* What every handler shares: a path argument placed in the caller's terms,
 * the rule for leaving a read to the kernel, the injection of an fd. */
#include "fdswap.h"
#include "restart.h"
#include "serve.h"
#include "trace.h"
#include "wrap.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int sv_checked(const struct ue_req *q)
{
	return ue_caller_valid(q) ? 0 : -ESRCH;
}

int sv_path(struct ue_req *q, int dirfd, int argi, struct sv_path *sp)
{
	int r = sv_path_unchecked(q, dirfd, argi, sp);
	/* The memory was the caller's when read: check that the caller is
	 * still the one that asked before acting on what it said. */
	return r < 0 ? r : sv_checked(q);
}

int sv_path_unchecked(struct ue_req *q, int dirfd, int argi, struct sv_path *sp)
{
	long n = ue_caller_string(q, ue_arg(q, argi), sp->given, sizeof sp->given);
	if (n < 0)
		return (int)n;
	sp->empty = n == 0;
	sp->native = 1;
	if (sp->empty) {
		sp->abs[0] = '\0';
		return 0;
	}
	int r = ue_caller_abs(q, dirfd, sp->given, sp->abs, sizeof sp->abs, &sp->native);
	if (r == 0 && ue_trace_on) {
		/* The trace shows the program's string: for a call restarted
		 * with a real path, the one it had given. */
		const char *given = ue_restart_given(q->tid, sp->given);
		ue_trace_given(sp->abs, given ? given : sp->given);
	}
	return r;
}

/* "" with AT_EMPTY_PATH and AT_FDCWD: the kernel acts on the current
 * directory, so sp names the caller's.  Left empty, the handlers took
 * AT_FDCWD for an fd (EBADF) or let the kernel look at its own current
 * directory, a layer's copy of the union's. */
static int empty_cwd(struct ue_req *q, int dirfd, int fl, struct sv_path *sp)
{
	if (!sp->empty || !(fl & AT_EMPTY_PATH) || dirfd != AT_FDCWD)
		return 0;
	int r = ue_caller_abs(q, AT_FDCWD, ".", sp->abs, sizeof sp->abs, &sp->native);
	if (r == 0)
		sp->empty = 0;
	return r;
}

int sv_path_at(struct ue_req *q, int dirfd, int argi, int fl, struct sv_path *sp)
{
	int r = sv_path_at_unchecked(q, dirfd, argi, fl, sp);
	return r < 0 ? r : sv_checked(q);
}

int sv_path_at_unchecked(struct ue_req *q, int dirfd, int argi, int fl, struct sv_path *sp)
{
	int r = sv_path_unchecked(q, dirfd, argi, sp);
	return r < 0 ? r : empty_cwd(q, dirfd, fl, sp);
}

int sv_read_outside(const struct sv_path *sp, int follow)
{
	struct ue_path p;
	if (sp->empty)
		return 1;  /* an fd the caller holds, or ENOENT: the kernel's */
	if (!sp->native)
		return 0;
	return ue_resolve_as(ue_for(), AT_FDCWD, sp->abs, follow ? UE_FOLLOW : 0, &p) == 0 && p.where == UE_PASS;
}

static long inject(struct ue_req *q, long fd, int cloexec, const char *lower_rel, struct ue_fd_mark mark)
{
	if (fd < 0)
		return fd;
	/* The caller's fds on files this call copied up move before it
	 * goes on (fdswap.h); the answer below ends the call. */
	ue_fdswap_check(q);
	struct seccomp_notif_addfd add = {
		.id = q->n->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (unsigned)fd,
		.newfd_flags = cloexec ? O_CLOEXEC : 0,
	};
	if (lower_rel) {
		int r = ue_fdswap_inject(q, &add, (int)fd, lower_rel, mark);
		return r < 0 ? r : UE_SV_SENT;
	}
	int r = ioctl(q->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	int e = errno;
	close((int)fd);
	return r < 0 ? -e : UE_SV_SENT;
}

long sv_inject(struct ue_req *q, long fd, int cloexec)
{
	return inject(q, fd, cloexec, NULL, (struct ue_fd_mark){ 0, 0 });
}

long sv_inject_lower(struct ue_req *q, long fd, int cloexec, const char *rel, struct ue_fd_mark mark)
{
	return inject(q, fd, cloexec, rel, mark);
}
