/* The caller's side of core/ (core/caller.h): what a path or a check needs
 * to know of who asks, from the caller given or, for ue_self, from this
 * process at the moment it is asked. */
#include "caller.h"
#include "cwd.h"
#include "resolve.h"
#include "sys.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <string.h>

const struct ue_caller ue_self = { 0 };

/* The credentials kept, per thread; valid while gen is creds_gen (which
 * starts at 1: a new thread's zeroed copy is not valid).  groups only when
 * ngroups >= 0 (a longer list is asked for at each check). */
#define KEPT_GROUPS 16
struct creds {
	unsigned gen;
	uid_t euid;
	gid_t egid;
	int ngroups;
	gid_t groups[KEPT_GROUPS];
};
static _Atomic unsigned creds_gen = 1;
static __thread struct creds creds;

void ue_creds_changed(void)
{
	atomic_fetch_add_explicit(&creds_gen, 1, memory_order_release);
}

unsigned ue_creds_generation(void)
{
	return atomic_load_explicit(&creds_gen, memory_order_acquire);
}

/* A signal handler that interrupts the filling fills them itself: the
 * generation is written last. */
static const struct creds *self_creds(void)
{
	unsigned g = atomic_load_explicit(&creds_gen, memory_order_acquire);
	if (__builtin_expect(creds.gen != g, 0)) {
		creds.gen = 0;
		creds.euid = geteuid();
		creds.egid = getegid();
		creds.ngroups = getgroups(KEPT_GROUPS, creds.groups);  /* -1: more than kept */
		creds.gen = g;
	}
	return &creds;
}

uid_t ue_self_euid(void)
{
	return self_creds()->euid;
}

gid_t ue_self_egid(void)
{
	return self_creds()->egid;
}

int ue_caller_in_group(const struct ue_caller *c, gid_t gid)
{
	if (c->has_creds) {
		if (gid == c->gid)
			return 1;
		for (int i = 0; i < c->ngroups; i++)
			if (c->groups[i] == gid)
				return 1;
		return 0;
	}
	const struct creds *k = self_creds();
	if (gid == k->egid)
		return 1;
	if (k->ngroups >= 0) {
		for (int i = 0; i < k->ngroups; i++)
			if (k->groups[i] == gid)
				return 1;
		return 0;
	}
	/* NGROUPS_MAX gids are 256 KiB: more than a small thread stack has.
	 * Nearly every process has a few groups; the rare long list is asked
	 * for into memory of its own. */
	gid_t few[64], *groups = few;
	int n = getgroups(0, NULL), in = 0;
	if (n > (int)(sizeof few / sizeof *few)) {
		long m = UE_SYS(SYS_mmap, NULL, (size_t)n * sizeof *groups, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m < 0)
			return 0;
		groups = (gid_t *)m;
	}
	int got = n > 0 ? getgroups(n, groups) : 0;
	for (int i = 0; i < got && !in; i++)
		in = groups[i] == gid;
	if (groups != few)
		UE_SYS(SYS_munmap, groups, (size_t)n * sizeof *groups);
	return in;
}

int ue_caller_base(const struct ue_caller *c, int dirfd, char *out, size_t size)
{
	if (dirfd != AT_FDCWD)
		return c->fd_vpath ? c->fd_vpath(c, dirfd, out, size) : ue_fd_vpath_keep(dirfd, out, size, 1);
	if (!c->cwd)
		return ue_cwd_get(out, size);
	if (strlen(c->cwd) + 1 > size)
		return -ENAMETOOLONG;
	strcpy(out, c->cwd);
	return 0;
}
