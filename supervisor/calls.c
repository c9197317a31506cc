/* Which system calls the filter sends to the supervisor, and the handler of
 * each: one line per call.  A call not here runs at the kernel's own cost;
 * a call here that a handler cannot serve gets an errno, never the kernel
 * acting on a path of the union unseen. */
#include "request.h"
#include "serve.h"
#include "syscalls.h"

#include <sys/syscall.h>

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

static const struct {
	int nr;
	const char *name;
	ue_sv_handler serve;
} calls[] = {
#define C(name) { __NR_##name, #name, sv_##name }
	/* opening: the supervisor opens, the fd is injected */
	C(open), C(openat), C(openat2), C(creat),
	/* a lock on an fd the supervisor keeps a copy of (fdswap.h) */
	C(flock),
	/* reading metadata: done on the real path, written back */
	C(stat), C(lstat), C(fstat), C(newfstatat), C(statx), C(access), C(faccessat), C(faccessat2),
	C(readlink), C(readlinkat), C(statfs), C(getxattr), C(lgetxattr), C(listxattr), C(llistxattr),
	/* changing names: core/'s operations */
	C(mkdir), C(mkdirat), C(mknod), C(mknodat), C(symlink), C(symlinkat), C(link), C(linkat),
	C(unlink), C(unlinkat), C(rmdir), C(rename), C(renameat), C(renameat2),
	/* changing metadata and size: copy-up, then the change */
	C(chmod), C(fchmodat), C(fchmodat2), C(chown), C(lchown), C(fchownat), C(utimensat),
	C(utime), C(utimes), C(futimesat), C(truncate), C(setxattr), C(lsetxattr), C(removexattr),
	C(lremovexattr), C(fchmod), C(fchown), C(fsetxattr), C(fremovexattr),
	/* directories, the current directory, programs */
	C(getdents64), C(getcwd), C(chdir), C(execve), C(execveat),
	/* a path given with an fd of another kind: sockets, inotify */
	C(bind), C(connect), C(inotify_add_watch),
#undef C
	/* credentials change: the supervisor forgets what it knew (creds.c) */
#define CRED(name) { __NR_##name, #name, sv_creds }
	CRED(setuid), CRED(setgid), CRED(setreuid), CRED(setregid), CRED(setresuid), CRED(setresgid),
	CRED(setfsuid), CRED(setfsgid), CRED(setgroups), CRED(capset),
#undef CRED
};

#define N_CALLS (sizeof calls / sizeof *calls)

size_t ue_sv_ncalls(void) { return N_CALLS; }
int ue_sv_call_nr(size_t i) { return calls[i].nr; }

ue_sv_handler ue_sv_handler_of(int nr)
{
	/* sent for some of its commands only (filter.c) */
	if (nr == __NR_ioctl)
		return sv_ioctl;
	for (size_t i = 0; i < N_CALLS; i++)
		if (calls[i].nr == nr)
			return calls[i].serve;
	return NULL;
}

const char *ue_sv_call_name(int nr)
{
	if (nr == __NR_ioctl)
		return "ioctl";
	for (size_t i = 0; i < N_CALLS; i++)
		if (calls[i].nr == nr)
			return calls[i].name;
	return "?";
}
