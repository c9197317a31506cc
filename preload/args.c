/* The one pipeline from a wrapped call's path arguments to what its
 * implementation acts on, driven by the table's path column (args.h):
 * the fd form of "" with AT_EMPTY_PATH, the lookup for reading or for a
 * change, a missing name, the marks taken before.  Every call the table
 * resolves passes here; the implementations resolve nothing themselves. */
#include "lowerdirs.h"
#include "args.h"
#include "guard.h"
#include "impl.h"
#include "layerpath.h"
#include "procfd.h"
#include "sys.h"
#include "userptr.h"

#include <string.h>

static void outside(struct ue_arg *a)
{
	a->p.where = UE_PASS;
	a->p.caller = ue_for();
}

/* fd open on a file of the upper that its union name still shows: that
 * name (1), else 0.  A link of it by its fd is a link of that name, as
 * the kernel's overlayfs links its inode; an fd on a file with no name (an
 * O_TMPFILE) stays an fd. */
static int fd_upper_named(int fd, struct ue_path *p)
{
	char link[64], real[UE_PATH_MAX], v[UE_PATH_MAX];
	ue_proc_fd(link, sizeof link, fd, NULL);
	long n = sys_readlinkat(AT_FDCWD, link, real, sizeof real - 1);
	if (n <= 0 || real[0] != '/')
		return 0;
	real[n] = '\0';
	if (ue_layer_of(real) != UE_UPPER || ue_unreal(v, sizeof v, real) < 0)
		return 0;
	return ue_resolve_as(ue_for(), AT_FDCWD, v, 0, p) == 0 && p->where == UE_UNION && ue_node_exists(&p->node) &&
	       !strcmp(p->real, real);
}

/* "" with the empty flag on the fd dirfd.  A change of a lower's file (or
 * a link of it) acts on its union name, copied up first, as the kernel's
 * overlayfs acts on its overlay inode: passed to the kernel as it is, the
 * fd would change (or link) the lower's own inode.  A link (NAMES) names
 * an fd on the upper's file too: the union links names.  A read follows the
 * fd's copy-up first, as a read through the fd does (fdtab.h). */
static int fd_form(struct ue_arg *a, int dirfd, int mode)
{
	a->fd = dirfd;
	outside(a);
	if (!(mode & UE_ARG_CHANGE)) {
		ue_fd_follow_entered(dirfd);
		return 0;
	}
	int in = ue_fd_in_lower(dirfd, &a->p);
	if (in < 0)
		return in;
	if (in || (!(mode & UE_ARG_EXISTS) && fd_upper_named(dirfd, &a->p)))
		a->named = 1;
	else
		outside(a);
	return 0;
}

int ue_arg_resolve(struct ue_arg *a, int dirfd, const char *path, int follow, int empty, int mode)
{
	a->fd = -1;
	a->named = 0;
	a->dot = 0;
	a->dirfd = dirfd;
	a->path = path;
	a->follow = follow;
	a->empty = empty;
	a->mode = mode;
	a->p.guessed = 0;
	if (mode & UE_ARG_MARK)
		a->mark = ue_fd_mark();
	if ((!path && (mode & UE_ARG_NULL)) || ((mode & UE_ARG_SLASH) && path && !strchr(path, '/'))) {
		outside(a);
		return 0;
	}
	if (empty) {
		long n = ue_user_path(path);
		if (n < 0)
			return (int)n;
		if (n == 0 && dirfd != AT_FDCWD)
			return fd_form(a, dirfd, mode);
		if (n == 0) {
			/* The current directory, as the kernel takes it. */
			a->path = path = ".";
			a->dot = 1;
		}
	}
	int flags = (follow ? UE_FOLLOW : 0) | (mode & UE_ARG_NEW ? UE_NEW : 0);
	int r = (mode & UE_ARG_CHANGE) ? ue_resolve_for_change(ue_for(), dirfd, path, flags, &a->p)
	                               : ue_resolve_as(ue_for(), dirfd, path, flags, &a->p);
	if (r == 0 && (mode & UE_ARG_EXISTS) && a->p.where == UE_UNION && !ue_node_exists(&a->p.node))
		r = -ENOENT;
	if (r < 0 && (mode & UE_ARG_TRY)) {
		outside(a);
		return 0;
	}
	return r;
}

int ue_arg_look_again(struct ue_arg *a)
{
	return ue_arg_resolve(a, a->dirfd, a->path, a->follow, a->empty, a->mode & ~UE_ARG_NEW);
}

/* For a name the kernel resolves (outside the union): its parent directory
 * must exist, as the kernel's parent lookup demands before anything else. */
static int outside_parent_ok(const struct ue_arg *a)
{
	char dir[UE_PATH_MAX];
	struct stat st;
	if (a->p.where == UE_UNION || !a->path || !*a->path)
		return 0;
	const char *k = ue_arg_kpath(a), *slash = strrchr(k, '/');
	if (!slash || slash == k || (size_t)(slash - k) >= sizeof dir)
		return 0;
	memcpy(dir, k, (size_t)(slash - k));
	dir[slash - k] = '\0';
	if (LIBC(fstatat)(ue_arg_kfd(a), dir, &st, 0) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int source_exists(const struct ue_arg *a)
{
	struct stat st;
	if (a->p.where == UE_UNION)
		return ue_node_exists(&a->p.node) ? 0 : -ENOENT;
	if (!a->path || !*a->path)
		return 0;  /* the fd form, or an error: the kernel's to say */
	return LIBC(fstatat)(ue_arg_kfd(a), ue_arg_kpath(a), &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int ue_arg_pair(struct ue_arg *a, int afd, const char *apath, int follow, int empty, struct ue_arg *b, int bfd,
                const char *bpath, int source_first)
{
	int r = ue_arg_resolve(a, afd, apath, follow, empty, NAMES);
	if (r < 0 || (r = outside_parent_ok(a)) < 0)
		return r;
	if (source_first && (r = source_exists(a)) < 0)
		return r;
	if ((r = ue_arg_resolve(b, bfd, bpath, NOFOLLOW, NOEMPTY, NAMES)) < 0 || (r = outside_parent_ok(b)) < 0)
		return r;
	return source_first ? 0 : source_exists(a);
}

/* The kernel's (fd, name) for P: a name of a lower's directory under the
 * fd held on it (core/lowerdirs.h), else ue_arg_kfd and ue_arg_kpath. */
void ue_arg_kname(const struct ue_arg *P, struct ue_kname *k)
{
	const struct ue_path *p = &P->p;
	if (p->where == UE_UNION && ue_node_exists(&p->node) && !ue_path_long(p->real)) {
		/* A metacopy's top and an index entry lie in the upper. */
		ue_lowerdir_name(p->real, p->node.data_layer || p->node.indexed ? UE_UPPER : p->node.layer, k);
		return;
	}
	*k = (struct ue_kname){ ue_arg_kfd(P), ue_arg_kpath(P), -1 };
}
