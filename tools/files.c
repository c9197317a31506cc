/* Files and trees of a layer: open a directory for walking, compare two
 * files' data, remove a tree (layer.h). */
#include "layer.h"
#include "markers.h"
#include "override.h"
#include "progress.h"
#include "tmpname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

int open_dir(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int same_data(int fa, int fb)
{
	enum { CH = 1 << 18 };
	static char *a, *b;
	if (!a) {
		a = xmalloc(CH);
		b = xmalloc(CH);
	}
	off_t off = 0;
	for (;;) {
		ssize_t na = pread(fa, a, CH, off);
		if (na < 0)
			return -errno;
		size_t got = 0;
		while (got < (size_t)na) {
			ssize_t nb = pread(fb, b + got, (size_t)na - got, off + (off_t)got);
			if (nb < 0)
				return -errno;
			if (nb == 0)
				return 0;
			got += (size_t)nb;
		}
		if (na == 0) {
			char c;
			ssize_t nb = pread(fb, &c, 1, off);
			return nb < 0 ? -errno : nb == 0;
		}
		if (memcmp(a, b, (size_t)na))
			return 0;
		off += na;
	}
}

int rm_tree(int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) == 0)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return errno == ENOENT ? 0 : -errno;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ldir d;
	int r = ldir_read(fd, &d);
	if (r == 0) {
		/* raw names: ldir decodes markers, but every name goes */
		for (size_t i = 0; i < d.n && !r; i++)
			r = rm_tree(fd, d.e[i].raw);
		for (size_t i = 0; i < d.ntmp && !r; i++)
			r = rm_tree(fd, d.tmp[i]);
		if (!r && (d.forms & F_OPQ_AUFS) && unlinkat(fd, UE_AUFS_OPAQUE, 0) < 0 && errno != ENOENT)
			r = -errno;
		ldir_free(&d);
	}
	close(fd);
	if (r)
		return r;
	return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}
