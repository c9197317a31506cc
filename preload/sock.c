/* Unix socket paths: bind makes the socket's file in the upper, connect
 * finds it where the union shows it.
 *
 * The kernel takes at most 108 bytes of sun_path, and the real path of a
 * name in a layer is longer than the program's own name for it (a layer
 * root in front, a relative name made absolute): bind("sock") from a deep
 * directory would fail with ENAMETOOLONG where the kernel takes it.  Where
 * the real path does not fit, the call is made relative to the real parent
 * directory, which the kernel can only be given as the current directory:
 *
 * - bind, in a child made with clone(CLONE_VM | CLONE_FILES | CLONE_VFORK)
 *   and without CLONE_FS: it shares our memory and fd table (so it binds
 *   our socket) but has a current directory of its own, so no thread of the
 *   program ever sees its directory move.  The socket records the last
 *   name, as bind("sock") from that directory would;
 * - connect, through the socket file's O_PATH fd as /proc/self/fd/N (the
 *   kernel follows the link to the socket's inode), in the calling thread:
 *   a peer that asks who connected (SO_PEERCRED) sees this process, not a
 *   child.  Without /proc, in a child as bind. */
#include "impl.h"
#include "copyup.h"
#include "layerpath.h"
#include "lookup.h"
#include "mark.h"
#include "ops.h"
#include "perm.h"
#include "procfd.h"
#include "sys.h"
#include "markers.h"
#include "origin.h"
#include "tmpname.h"

#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

/* Where the kernel is to find a socket path: addr (the whole real path, or
 * the last name when dirfd >= 0, an O_PATH fd on the real parent).  A bind
 * over a whiteout binds the temporary name tmp, renamed over it after. */
struct sock_target {
	struct ue_path p;
	struct sockaddr_un addr;
	socklen_t len;
	int dirfd;
	char tmp[UE_PATH_MAX];
};

/* A bind where the upper holds a whiteout: the socket is made under a
 * temporary name beside it and renamed over it, as core/ops.c makes any
 * node there, so the lower's entry never shows (an open's preparation
 * would put a regular file there, and the bind would find it). */
static int over_whiteout(struct sock_target *t)
{
	struct ue_path *p = &t->p;
	char dir[UE_PATH_MAX];
	int r;
	if (ue_name_reserved(ue_path_base(p->rel)))
		return -EINVAL;
	if ((r = ue_may_change_dir_of(p->caller, p->rel)) < 0 || (r = ue_copy_up_parents(p->rel)) < 0 ||
	    (r = ue_real_path(p->real, sizeof p->real, UE_UPPER, p->rel)) < 0 ||
	    (r = ue_path_parent(dir, sizeof dir, p->real)) < 0)
		return r;
	return ue_tmp_name(t->tmp, sizeof t->tmp, dir);
}

static void set_addr(struct sock_target *t, const char *path)
{
	memset(&t->addr, 0, sizeof t->addr);
	t->addr.sun_family = AF_UNIX;
	strcpy(t->addr.sun_path, path);
	t->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

/* 0: not a path of ours (abstract, unnamed, another family, outside the
 * union): the kernel takes the program's address.  1: t says where.
 * -errno. */
static long unix_target(const struct sockaddr *addr, socklen_t len, int creates, struct sock_target *t)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)addr;
	t->dirfd = -1;
	if (!addr || addr->sa_family != AF_UNIX || len <= offsetof(struct sockaddr_un, sun_path) || !un->sun_path[0])
		return 0;
	char path[sizeof un->sun_path + 1];
	size_t n = len - offsetof(struct sockaddr_un, sun_path);
	if (n > sizeof un->sun_path)
		n = sizeof un->sun_path;
	memcpy(path, un->sun_path, n);
	path[n] = '\0';
	struct ue_path *p = &t->p;
	t->tmp[0] = '\0';
	int r = creates ? ue_resolve_for_change(ue_for(), AT_FDCWD, path, 0, p) : ue_resolve_as(ue_for(), AT_FDCWD, path, UE_FOLLOW, p);
	if (r < 0)
		return r;
	if (p->where == UE_PASS)
		return 0;
	if (p->where == UE_UNION) {
		if (creates) {
			if (ue_node_exists(&p->node))
				return -EADDRINUSE;
			if (p->node.upper_whiteout && (r = over_whiteout(t)) < 0)
				return r;
			int flags = O_CREAT;
			long c = t->tmp[0] ? 0 : ue_op_open_prepare(p, &flags, 0);
			if (c < 0)
				return c;
		} else if (!ue_node_exists(&p->node)) {
			return -ENOENT;
		}
	}
	char *where = t->tmp[0] ? t->tmp : p->real;
	if (strlen(where) < sizeof t->addr.sun_path) {
		set_addr(t, where);
		return 1;
	}
	/* Too long for sun_path: the parent directory and the last name. */
	char *slash = strrchr(where, '/');
	if (!slash || strlen(slash + 1) >= sizeof t->addr.sun_path)
		return -ENAMETOOLONG;
	*slash = '\0';
	t->dirfd = sys_openat(AT_FDCWD, where[0] ? where : "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	*slash = '/';
	if (t->dirfd < 0)
		return t->dirfd;
	set_addr(t, slash + 1);
	return 1;
}

struct in_dir {
	int sock, dirfd;
	long call;                    /* SYS_bind or SYS_connect */
	const struct sockaddr_un *addr;
	socklen_t len;
	long result;
};

/* The child: our memory and fds, its own current directory.  Raw system
 * calls only: it runs on our thread's TLS while we wait. */
static int in_dir_child(void *arg)
{
	struct in_dir *c = arg;
	long r = UE_SYS(SYS_fchdir, c->dirfd);
	if (r == 0)
		r = UE_SYS(c->call, c->sock, c->addr, c->len);
	c->result = r;
	return 0;
}

/* bind or connect sock to a name relative to dirfd, from a child whose
 * directory that is (see above).  Signals stay blocked meanwhile: the
 * child must not run the program's handlers. */
static long call_in_dir(long call, int sock, int dirfd, const struct sockaddr_un *addr, socklen_t len)
{
	_Alignas(16) char stack[8192];
	struct in_dir c = { sock, dirfd, call, addr, len, -EIO };
	sigset_t all, old;
	sigfillset(&all);
	UE_SYS(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, _NSIG / 8);
	int pid = clone(in_dir_child, stack + sizeof stack, CLONE_VM | CLONE_FILES | CLONE_VFORK, &c);
	long r = pid < 0 ? -errno : c.result;
	if (pid > 0)
		UE_SYS(SYS_wait4, pid, NULL, __WCLONE, NULL);
	UE_SYS(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, _NSIG / 8);
	return r;
}

long bind_impl(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sock_target t;
	long r = unix_target(addr, len, 1, &t);
	if (r <= 0)
		return r < 0 ? r : UE_ERR(LIBC(bind)(fd, addr, len));
	if (t.dirfd < 0) {
		r = UE_ERR(LIBC(bind)(fd, (struct sockaddr *)&t.addr, t.len));
	} else {
		r = call_in_dir(SYS_bind, fd, t.dirfd, &t.addr, t.len);
		sys_close(t.dirfd);
	}
	if (r == 0 && t.tmp[0] && (r = ue_rename_marked(t.tmp, t.p.real, UE_MV_OVER)) < 0)
		sys_unlinkat(AT_FDCWD, t.tmp, 0);
	if (r == 0 && t.p.where == UE_UNION)
		ue_changed(t.p.rel, 0);
	return r;
}

long connect_impl(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sock_target t;
	long r = unix_target(addr, len, 0, &t);
	if (r <= 0)
		return r < 0 ? r : UE_ERR(LIBC(connect)(fd, addr, len));
	if (t.dirfd < 0)
		return UE_ERR(LIBC(connect)(fd, (struct sockaddr *)&t.addr, t.len));
	struct sockaddr_un via;
	char name[64];
	int sfd = sys_openat(t.dirfd, t.addr.sun_path, O_PATH | O_CLOEXEC, 0);
	if (sfd < 0) {
		r = sfd;
	} else {
		ue_proc_fd(name, sizeof name, sfd, NULL);
		memset(&via, 0, sizeof via);
		via.sun_family = AF_UNIX;
		strcpy(via.sun_path, name);
		r = UE_ERR(LIBC(connect)(fd, (struct sockaddr *)&via,
		                         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1)));
		sys_close(sfd);
		if (r == -ENOENT)  /* no /proc */
			r = call_in_dir(SYS_connect, fd, t.dirfd, &t.addr, t.len);
	}
	sys_close(t.dirfd);
	return r;
}
