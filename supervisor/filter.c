/* The seccomp filter of a supervised tree attached (docs/design.md, "The
 * filter"), with the lists of supervisor/calls.c and serve_ioctl.c; its
 * program is filterprog.c's. */
#include "filter.h"
#include "serve.h"
#include "syscalls.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int ue_filter_install(int allow_gate)
{
	struct sock_filter prog[UE_FILTER_MAX_INSNS];
	int calls[UE_FILTER_MAX_CALLS];
	size_t ncalls = ue_sv_ncalls();
	if (ncalls > UE_FILTER_MAX_CALLS)
		return -E2BIG;
	for (size_t i = 0; i < ncalls; i++)
		calls[i] = ue_sv_call_nr(i);
	size_t n = ue_filter_build(prog, allow_gate, calls, ncalls, ue_sv_ioctl_cmds, UE_SV_IOCTL_CMDS);
	if (n == 0)
		return -E2BIG;
	struct sock_fprog fprog = { .len = (unsigned short)n, .filter = prog };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* SPEC_ALLOW: before Linux 5.16 (RHEL 9's 5.14, Ubuntu 22.04's 5.15)
	 * a seccomp filter also turned on the Speculative Store Bypass
	 * mitigation (spec_store_bypass_disable=seccomp, their default),
	 * which slows every filtered program; the filter is the union's, not
	 * a sandbox, and the programs run as they would natively. */
	long fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
	                  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog);
	if (fd < 0 && errno == EINVAL)
		fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
	return fd < 0 ? -errno : (int)fd;
}

const char *ue_filter_strerror(int err)
{
	switch (err) {
	case -EBUSY:
		return "a seccomp listener is already on this process's filter chain (a supervised union inside another)";
	case -EINVAL:
	case -ENOSYS:
		return "this kernel has no seccomp user notification (Linux 5.14 or later is needed)";
	case -EACCES:
	case -EPERM:
		return "seccomp filters are not permitted here";
	default:
		return NULL;
	}
}
