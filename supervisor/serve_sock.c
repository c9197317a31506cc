/* AF_UNIX bind and connect, inotify_add_watch: calls that name a path but
 * act on an fd of the caller's (a socket, an inotify instance).  Served on
 * the caller's own open file (pidfd_getfd): the supervisor binds,
 * connects or adds the watch on its copy, with the real path, so the
 * caller's socket or instance is the one changed. */
#include "cache.h"
#include "copyup.h"
#include "guard.h"
#include "layerpath.h"
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The path of a sockaddr_un of len bytes read from the caller: 1 and the
 * path in out, 0 for any other address (another family, abstract,
 * unnamed), -errno. */
static int unix_path(struct ue_req *q, uint64_t addr, socklen_t len, char *out, size_t size)
{
	struct sockaddr_un un;
	if (!addr || len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof un)
		return 0;
	if (ue_caller_read(q, addr, &un, len) < 0)
		return -EFAULT;
	if (un.sun_family != AF_UNIX || un.sun_path[0] == '\0')
		return 0;
	size_t n = strnlen(un.sun_path, len - offsetof(struct sockaddr_un, sun_path));
	if (n + 1 > size)
		return -EINVAL;
	memcpy(out, un.sun_path, n);
	out[n] = '\0';
	return ue_caller_valid(q) ? 1 : -ESRCH;
}

/* call(copy of the caller's socket, sockaddr naming real): a path longer
 * than sun_path holds is named from its directory (the supervisor's own
 * current directory is nobody's business). */
static long on_socket(struct ue_req *q, int fd, const char *real, int (*call)(int, const struct sockaddr *, socklen_t))
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	const char *name = real;
	char dir[PATH_MAX];
	if (strlen(real) >= sizeof un.sun_path) {
		name = ue_path_base(real);
		if (ue_path_parent(dir, sizeof dir, real) < 0 || strlen(name) >= sizeof un.sun_path)
			return -ENAMETOOLONG;
		if (chdir(dir) < 0)
			return -errno;
	}
	strcpy(un.sun_path, name);
	int c = ue_caller_fd(q, fd);
	if (c < 0)
		return c;
	long r = call(c, (const struct sockaddr *)&un, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1));
	r = r < 0 ? -errno : r;
	close(c);
	return r;
}

long sv_bind(struct ue_req *q)
{
	char given[PATH_MAX], abs[UE_PATH_MAX];
	struct ue_path p;
	int native;
	int r = unix_path(q, ue_arg(q, 1), (socklen_t)ue_arg(q, 2), given, sizeof given);
	if (r <= 0)
		return r < 0 ? r : UE_SV_CONTINUE;  /* no path: nothing on disk */
	if ((r = ue_caller_abs(q, AT_FDCWD, given, abs, sizeof abs, &native)) < 0 ||
	    (r = ue_resolve_for_change(&q->who, AT_FDCWD, abs, 0, &p)) < 0 || (r = ue_caller_become(q, 1)) < 0)
		return r;
	/* bind makes a file: done here, on the path checked, never continued. */
	if (p.where != UE_UNION)
		return on_socket(q, ue_arg_fd(q, 0), ue_kpath(&p, abs), bind);
	if (ue_node_exists(&p.node) || p.node.upper_whiteout)
		return -EADDRINUSE;  /* a whiteout there: the kernel's bind would refuse too */
	if ((r = ue_copy_up_parents(p.rel)) < 0 || (r = ue_path_refresh(&p)) < 0)
		return r;
	long b = on_socket(q, ue_arg_fd(q, 0), p.real, bind);
	if (b == 0)
		ue_changed(p.rel, 0);
	return b;
}

long sv_connect(struct ue_req *q)
{
	char given[PATH_MAX], abs[UE_PATH_MAX];
	struct ue_path p;
	int native;
	int r = unix_path(q, ue_arg(q, 1), (socklen_t)ue_arg(q, 2), given, sizeof given);
	if (r <= 0)
		return r < 0 ? r : UE_SV_CONTINUE;
	if ((r = ue_caller_abs(q, AT_FDCWD, given, abs, sizeof abs, &native)) < 0 ||
	    (r = ue_resolve_as(&q->who, AT_FDCWD, abs, UE_FOLLOW, &p)) < 0)
		return r;
	if (p.where == UE_PASS && native)
		return UE_SV_CONTINUE;  /* reaches a socket outside: nothing is written */
	if (p.where == UE_UNION && !ue_node_exists(&p.node))
		return -ENOENT;
	if ((r = ue_caller_become(q, 0)) < 0)
		return r;
	return on_socket(q, ue_arg_fd(q, 0), ue_kpath(&p, abs), connect);
}

long sv_inotify_add_watch(struct ue_req *q)
{
	struct sv_path sp;
	struct ue_path p;
	uint32_t mask = (uint32_t)ue_arg(q, 2);
	int r = sv_path(q, AT_FDCWD, 1, &sp);
	if (r < 0)
		return r;
	if (sv_read_outside(&sp, !(mask & IN_DONT_FOLLOW)))
		return UE_SV_CONTINUE;
	if ((r = ue_resolve_as(&q->who, AT_FDCWD, sp.abs, (mask & IN_DONT_FOLLOW) ? 0 : UE_FOLLOW, &p)) < 0)
		return r;
	if (p.where == UE_UNION && !ue_node_exists(&p.node))
		return -ENOENT;
	int c = ue_caller_fd(q, ue_arg_fd(q, 0));
	if (c < 0)
		return c;
	if ((r = ue_caller_become(q, 0)) == 0) {
		int wd = inotify_add_watch(c, ue_kpath(&p, sp.abs), mask);
		r = wd < 0 ? -errno : wd;
	}
	close(c);
	return r;
}
