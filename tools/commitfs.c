/* unionenv commit: the file operations staging and applying share: the
 * parent of a path below a layer, and metadata put onto an entry. */
#include "commit.h"
#include "markers.h"
#include "progress.h"
#include "tmpname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- small helpers -------------------------------------------------------- */

/* The directory holding rel below root fd (made when `make`), and the base
 * name; never through a symlink.  -errno when missing. */
int open_parent_of(int root, const char *rel, const char **base, int make)
{
	const char *slash = strrchr(rel, '/');
	*base = slash ? slash + 1 : rel;
	int fd = dup(root);
	if (!slash)
		return fd;
	char *dir = xstrndup(rel, (size_t)(slash - rel)), *save = NULL;
	for (char *t = strtok_r(dir, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		int n = openat(fd, t, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (n < 0 && errno == ENOENT && make) {
			if (mkdirat(fd, t, 0700) < 0 && errno != EEXIST) {
				int e = -errno;
				close(fd);
				free(dir);
				return e;
			}
			n = openat(fd, t, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (n < 0) {
			int e = -errno;
			close(fd);
			free(dir);
			return e;
		}
		close(fd);
		fd = n;
	}
	free(dir);
	return fd;
}

int exists_at(int dfd, const char *name)
{
	struct stat st;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Set the non-marker xattrs of dfd/name (NULL: dfd itself) to exactly x. */
void put_xattrs(struct cctx *c, int dfd, const char *name, const struct xattrs *x)
{
	struct xattrs cur;
	xattrs_get(dfd, name, &cur, 1);
	char p[4200];
	snprintf(p, sizeof p, "%s", fdpath(dfd, name));
	for (size_t i = 0; i < cur.n; i++) {
		size_t j;
		for (j = 0; j < x->n && strcmp(x->v[j].name, cur.v[i].name); j++)
			;
		if (j == x->n)
			name ? lremovexattr(p, cur.v[i].name) : removexattr(p, cur.v[i].name);
	}
	for (size_t j = 0; j < x->n; j++) {
		int r = name ? lsetxattr(p, x->v[j].name, x->v[j].value, x->v[j].len, 0)
		             : setxattr(p, x->v[j].name, x->v[j].value, x->v[j].len, 0);
		if (r < 0 && (c->is_root || strncmp(x->v[j].name, "user.", 5) == 0))
			ue_warn("%s: cannot set xattr '%s': %s", name ? name : ".", x->v[j].name, strerror(errno));
	}
	xattrs_free(&cur);
}

/* Owner, mode, xattrs and times of `from` onto dfd/name (symlinks: no mode). */
void put_meta(struct cctx *c, int dfd, const char *name, const struct stat *from, int sfd, const char *sname)
{
	int r = put_owner(dfd, name, from);
	if (r < 0 && c->is_root)
		ue_die("%s: chown: %s", c->path.s, strerror(-r));
	if (!S_ISLNK(from->st_mode) && fchmodat(dfd, name, from->st_mode & 07777, 0) < 0)
		ue_die("%s: chmod: %s", c->path.s, strerror(errno));
	struct xattrs x;
	xattrs_get(sfd, sname, &x, 1);
	if (x.n)
		put_xattrs(c, dfd, name, &x);
	xattrs_free(&x);
	struct timespec t[2] = { from->st_atim, from->st_mtim };
	utimensat(dfd, name, t, AT_SYMLINK_NOFOLLOW);
}
