/* Directories, the current directory and programs: getdents64 (the merged
 * listing of a union directory), getcwd (the union's name), chdir and
 * execve (which only the kernel can do, with a path it can reach). */
#include "impl.h"
#include "listings.h"
#include "layerpath.h"
#include "path.h"
#include "perm.h"
#include "procfd.h"
#include "restart.h"
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LISTING_MAX (1 << 20)

/* Each worker its own (loop.c), made at its first listing. */
static __thread char *listing;

long sv_getdents64(struct ue_req *q)
{
	int fd = ue_arg_fd(q, 0);
	size_t n = (size_t)ue_arg(q, 2);
	/* A directory outside every layer lists as the kernel lists it. */
	if (!ue_caller_fd_in_layer(q, fd))
		return UE_SV_CONTINUE;
	if (n > LISTING_MAX)
		n = LISTING_MAX;
	if (!listing && !(listing = malloc(LISTING_MAX)))
		return -ENOMEM;
	int c = ue_caller_fd(q, fd);
	if (c < 0)
		return c;
	/* The copy shares the caller's open file, so its offset (the index
	 * of the next entry) is the caller's; the listing is the open file's
	 * (listings.h). */
	struct ue_path p;
	long len;
	if (ue_fd_union_path(c, &p) && S_ISDIR(p.node.type)) {
		len = ue_listing_read(c, &p, listing, n);
	} else {
		if ((len = syscall(SYS_getdents64, c, listing, n)) < 0)
			len = -errno;
		close(c);
	}
	if (len > 0 && ue_caller_write(q, ue_arg(q, 1), listing, (size_t)len) < 0)
		return -EFAULT;
	return len;
}

long sv_getcwd(struct ue_req *q)
{
	char v[UE_PATH_MAX];
	size_t size = (size_t)ue_arg(q, 1);
	int r = ue_caller_cwd(q, v, sizeof v);
	if (r < 0)
		return r;
	size_t len = strlen(v) + 1;
	if (size < len)
		return -ERANGE;
	return ue_caller_write(q, ue_arg(q, 0), v, len) < 0 ? -EFAULT : (long)len;
}

/* The kernel, given the caller's own path, reaches the union's object.
 * For execve, the very file the union resolves to (p->real, by device and
 * inode): the mount's lower holds a program at the name, but one rebuilt
 * in the upper is another file.  For chdir, a directory that is the
 * union's directory: any layer's copy of it will do, as the current
 * directory is named in union terms (ue_unreal) whichever layer holds it,
 * if the caller may search that copy; a lower's file at the name of a
 * directory made in the upper will not do.
 * A path that left the union (p->where UE_OUTSIDE) must land where
 * p->real leads. */
static int kernel_reaches(struct ue_req *q, int dirfd, const struct sv_path *sp, const struct ue_path *p,
                          const char *union_name, int follow, int want_dir)
{
	char base[UE_PATH_MAX], link[64], real[UE_PATH_MAX], v[UE_PATH_MAX];
	struct stat got, want;
	int len;
	if (sp->given[0] == '/')
		len = snprintf(base, sizeof base, "%s", sp->abs);
	else if (dirfd == AT_FDCWD)
		len = snprintf(base, sizeof base, "/proc/%d/cwd/%.*s", q->tid, PATH_MAX - 64, sp->given);
	else
		len = snprintf(base, sizeof base, "/proc/%d/fd/%d/%.*s", q->tid, dirfd, PATH_MAX - 64, sp->given);
	if (len < 0 || (size_t)len >= sizeof base - 64)
		return 0;
	int fd = open(base, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return 0;
	int ok = fstat(fd, &got) == 0 && (!want_dir || S_ISDIR(got.st_mode));
	if (ok && want_dir && p->where == UE_UNION) {
		ue_proc_fd(link, sizeof link, fd, NULL);
		ssize_t n = readlink(link, real, sizeof real - 1);
		ok = n > 0;
		if (ok) {
			real[n] = '\0';
			/* and one the kernel will let the caller into (the upper's
			 * copy may have been made searchable, not the lower's) */
			ok = ue_unreal(v, sizeof v, real) == 0 && !strcmp(v, union_name) &&
			     faccessat(AT_FDCWD, link, X_OK, AT_EACCESS) == 0;
		}
	} else if (ok) {
		ok = (follow ? stat(p->real, &want) : lstat(p->real, &want)) == 0 && got.st_dev == want.st_dev &&
		     got.st_ino == want.st_ino;
	}
	close(fd);
	return ok;
}

/* The union's name of the object (dirfd, path) names, resolved. */
static int union_object(struct ue_req *q, int dirfd, int argi, struct sv_path *sp, struct ue_path *p, char *name,
                        int follow)
{
	int r = sv_path(q, dirfd, argi, sp);
	if (r < 0)
		return r;
	if (sp->empty) {
		p->where = UE_PASS;
		return 1;  /* an fd: the kernel's */
	}
	/* The walk, and chdir's search of its directory, are the caller's:
	 * as the kernel checks them (core/ asks for q->who). */
	if ((r = ue_caller_become(q, 0)) < 0)
		return r;
	if ((r = ue_resolve_as(&q->who, AT_FDCWD, sp->abs, follow ? UE_FOLLOW : 0, p)) < 0)
		return r;
	if (p->where == UE_PASS && sp->native)
		return 1;
	if (p->where != UE_UNION)
		return 1;  /* outside, through the union: checked below */
	if (!ue_node_exists(&p->node))
		return -ENOENT;
	if (p->rel[0] == '\0') {
		snprintf(name, UE_PATH_MAX, "%s", ue_cfg.mount_len ? ue_cfg.mount : "/");
		return 0;
	}
	return ue_path_join(name, UE_PATH_MAX, ue_cfg.mount_len ? ue_cfg.mount : "/", p->rel) < 0 ? -ENAMETOOLONG : 0;
}

/* chdir and execve cannot be served by an fd: the kernel must do them, and
 * it reads the path from the caller again.  So they are continued where
 * the caller's own path reaches the union's object (kernel_reaches; every
 * path outside the union), and restarted with the real path
 * where it does not (a directory or program only the upper or a deeper
 * lower holds; supervisor/restart.c), or refused (ENOENT) where that
 * cannot be done: never the kernel acting on the wrong file. */
static long serve_kernel_only(struct ue_req *q, int dirfd, int argi, int follow, int want_dir)
{
	struct sv_path sp;
	struct ue_path p;
	char name[UE_PATH_MAX];
	int r = union_object(q, dirfd, argi, &sp, &p, name, follow);
	if (r < 0)
		return r;
	if (r == 1 && p.where != UE_OUTSIDE)
		return UE_SV_CONTINUE;
	if (r == 1) {
		/* Left the union through it (a symlink leading out, a ".." above
		 * the mount): the kernel must land where p.real leads.  A real
		 * path the caller gave itself (as after a restart: core/ keeps
		 * "/mount/../x" as it is) is the kernel's already: restarting
		 * with the same string would come back here for ever. */
		if (sp.native && !strcmp(p.real, sp.abs))
			return UE_SV_CONTINUE;
	} else if (want_dir && !S_ISDIR(p.node.type)) {
		return -ENOTDIR;
	} else if (want_dir && (r = ue_may_search(&q->who, &p.node, p.rel)) < 0) {
		return r;  /* the union's mode and owner, not a layer's copy's */
	}
	int reached = kernel_reaches(q, dirfd, &sp, &p, name, follow, want_dir);
	/* A #! script: the kernel would open its interpreter itself. */
	if (!want_dir && r == 0 && (r = sv_exec_script(q, dirfd, argi, &sp, &p, reached)) != 0)
		return r;
	if (reached)
		return UE_SV_CONTINUE;
	/* The real path, for the kernel to do the call with. */
	return ue_restart_with_path(q, argi, p.real, sp.given);
}

long sv_chdir(struct ue_req *q) { return serve_kernel_only(q, AT_FDCWD, 0, 1, 1); }
long sv_execve(struct ue_req *q) { return serve_kernel_only(q, AT_FDCWD, 0, 1, 0); }
long sv_execveat(struct ue_req *q)
{
	return serve_kernel_only(q, ue_arg_fd(q, 0), 1, !((int)ue_arg(q, 4) & AT_SYMLINK_NOFOLLOW), 0);
}
