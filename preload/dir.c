/* Directory listings.  A union directory gets a DIR of our own that walks
 * the merged listing; every DIR-taking function tells ours from libc's by
 * two magic words (a real DIR starts with its fd, never negative).  Raw
 * getdents64 on a union directory fd is merged too. */
#include "impl.h"
#include "apart.h"
#include "fdnames.h"

/* readdir_r is deprecated, and wrapped all the same: old programs call it. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include "lookup.h"
#include "readdir.h"
#include "state.h"
#include "sys.h"

#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define DIR_MAGIC1 (-0x55454449)
#define DIR_MAGIC2 0x756e696f

struct union_dir {
	int magic1, magic2;
	int fd;                  /* the top layer's directory: for dirfd, fchdir, openat */
	size_t pos;
	char *rel;
	struct ue_dirlist list;
	struct dirent64 ent;
};

static struct union_dir *union_dir(DIR *d)
{
	struct union_dir *u = (struct union_dir *)d;
	return d && u->magic1 == DIR_MAGIC1 && u->magic2 == DIR_MAGIC2 ? u : NULL;
}

static int list_rel(const char *rel, struct ue_dirlist *list)
{
	struct ue_node n;
	int r = ue_node_at(rel, &n);
	if (r == 0 && !ue_node_exists(&n))
		r = -ENOENT;
	return r < 0 ? r : ue_dir_list(rel, &n, list);
}

/* how: ue_dir_list_fd_how's. */
static DIR *union_dir_new(int fd, const struct ue_path *p, int how)
{
	struct union_dir *u = calloc(1, sizeof *u);
	if (!u)
		return ue_fail(-ENOMEM);
	int r = -ENOMEM;
	if (!(u->rel = strdup(p->rel)) || (r = ue_dir_list_fd_how(p->rel, &p->node, fd, how, &u->list)) < 0) {
		free(u->rel);
		free(u);
		return ue_fail(r);
	}
	u->magic1 = DIR_MAGIC1;
	u->magic2 = DIR_MAGIC2;
	u->fd = fd;
	return (DIR *)u;
}

/* P: READS | MARKS, the fd's name as the union stood before the lookup. */
DIR *opendir_impl(struct ue_arg *P)
{
	struct ue_path *p = &P->p;
	if (p->where != UE_UNION)
		return UE_PASS_PTR(LIBC(opendir)(ue_arg_kpath(P)));
	if (!S_ISDIR(p->node.type))
		return ue_fail(-ENOTDIR);
	int fd = sys_openat(AT_FDCWD, p->real, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return ue_fail(fd);
	ue_fdname_put_rel(fd, p->rel, p->real, P->mark.ring);
	DIR *d = union_dir_new(fd, p, UE_LIST_OWN_FD);
	if (!d) {
		ue_fdname_drop(fd);
		sys_close(fd);
	}
	return d;
}

DIR *fdopendir_impl(int fd)
{
	struct ue_path p;
	if (!ue_fd_union_path(fd, &p) || !S_ISDIR(p.node.type))
		return UE_PASS_PTR(LIBC(fdopendir)(fd));
	return union_dir_new(fd, &p, UE_LIST_POS_FREE);
}

static struct dirent *fill(struct union_dir *u)
{
	if (u->pos >= u->list.n)
		return NULL;  /* the end: errno untouched */
	const struct ue_dirent *e = u->list.ent[u->pos++];
	u->ent.d_ino = e->ino;
	u->ent.d_off = (off64_t)u->pos;
	u->ent.d_type = e->type;
	size_t len = strlen(e->name);
	memcpy(u->ent.d_name, e->name, len + 1);
	u->ent.d_reclen = (unsigned short)((offsetof(struct dirent64, d_name) + len + 1 + 7) & ~7UL);
	return (struct dirent *)&u->ent;
}

struct dirent *readdir_impl(DIR *d, struct dirent *(*libc)(DIR *))
{
	struct union_dir *u = union_dir(d);
	return u ? fill(u) : UE_PASS_PTR(libc(d));
}

long readdir_r_impl(DIR *d, struct dirent *e, struct dirent **res)
{
	struct union_dir *u = union_dir(d);
	if (!u)
		return LIBC(readdir_r)(d, e, res);
	struct dirent *n = fill(u);
	if (n)
		memcpy(e, n, n->d_reclen < sizeof *e ? n->d_reclen : sizeof *e);
	*res = n ? e : NULL;
	return 0;
}

long closedir_impl(DIR *d)
{
	struct union_dir *u = union_dir(d);
	if (!u) {
		/* libc closes the fd inside, where no wrapper sees it. */
		ue_fd_closed(LIBC(dirfd)(d));
		return UE_ERR(LIBC(closedir)(d));
	}
	ue_fd_closed(u->fd);
	int r = sys_close(u->fd);
	ue_dir_free(&u->list);
	free(u->rel);
	u->magic1 = u->magic2 = 0;
	free(u);
	return r;
}

long dirfd_impl(DIR *d)
{
	struct union_dir *u = union_dir(d);
	return u ? u->fd : UE_ERR(LIBC(dirfd)(d));
}

void rewinddir_impl(DIR *d)
{
	struct union_dir *u = union_dir(d);
	if (!u) {
		LIBC(rewinddir)(d);
		return;
	}
	/* POSIX: a rewind shows the directory as it is now. */
	struct ue_dirlist list;
	if (list_rel(u->rel, &list) == 0) {
		ue_dir_free(&u->list);
		u->list = list;
	}
	u->pos = 0;
}

long telldir_impl(DIR *d)
{
	struct union_dir *u = union_dir(d);
	return u ? (long)u->pos : UE_ERR(LIBC(telldir)(d));
}

void seekdir_impl(DIR *d, long loc)
{
	struct union_dir *u = union_dir(d);
	if (u)
		u->pos = loc < 0 ? 0 : (size_t)loc;
	else
		LIBC(seekdir)(d, loc);
}

long scandir_impl(struct ue_arg *P, struct dirent ***out,
                  int (*sel)(const struct dirent *), int (*cmp)(const struct dirent **, const struct dirent **))
{
	const struct ue_path *p = &P->p;
	int r;
	if (p->where != UE_UNION)
		return UE_ERR(LIBC(scandirat)(ue_arg_kfd(P), ue_arg_kpath(P), out, sel, cmp));
	struct ue_dirlist list;
	if ((r = ue_dir_list(p->rel, &p->node, &list)) < 0)
		return r;
	struct dirent **v = malloc((list.n + 1) * sizeof *v);
	size_t k = 0;
	r = v ? 0 : -ENOMEM;
	for (size_t i = 0; i < list.n && r == 0; i++) {
		const struct ue_dirent *e = list.ent[i];
		size_t len = strlen(e->name);
		struct dirent *de = calloc(1, sizeof *de);
		if (!de) {
			r = -ENOMEM;
			break;
		}
		de->d_ino = e->ino;
		de->d_off = (off_t)(i + 1);
		de->d_type = e->type;
		de->d_reclen = (unsigned short)((offsetof(struct dirent, d_name) + len + 1 + 7) & ~7UL);
		memcpy(de->d_name, e->name, len + 1);
		if (sel && !sel(de))
			free(de);
		else
			v[k++] = de;
	}
	ue_dir_free(&list);
	if (r < 0) {
		while (k)
			free(v[--k]);
		free(v);
		return r;
	}
	if (cmp)
		qsort(v, k, sizeof *v, (int (*)(const void *, const void *))cmp);
	*out = v;
	return (long)k;
}

/* getdents64 on a union directory fd: the merged listing, with the entry
 * index kept as the fd's file offset (so a fresh open or lseek(0) starts
 * over, as with a real directory).  The listing is kept for the fd number
 * until the number is closed or replaced (ue_getdents_fd_closed): a new
 * open that took the number and was put past the start (lseek, seekdir)
 * took the older open file's listing, with names removed since. */
struct gd_state {
	_Atomic int fd;
	dev_t dev;
	ino_t ino;
	struct ue_dirlist list;
};
#define GD_SLOTS 64
static struct gd_state gd_table[GD_SLOTS] UE_APART;  /* under UE_LOCK_GETDENTS */

/* Lock-free, as the close wrappers are: the next read lists afresh. */
void ue_getdents_fd_closed(int fd)
{
	if (fd < 0)
		return;
	_Atomic int *slot = &gd_table[fd % GD_SLOTS].fd;
	int was = fd;
	if (atomic_load_explicit(slot, memory_order_relaxed) == fd)
		atomic_compare_exchange_strong(slot, &was, -1);
}

void ue_getdents_range_closed(unsigned first, unsigned last)
{
	for (int i = 0; i < GD_SLOTS; i++) {
		int fd = atomic_load_explicit(&gd_table[i].fd, memory_order_relaxed);
		if (fd >= 0 && (unsigned)fd >= first && (unsigned)fd <= last)
			ue_getdents_fd_closed(fd);
	}
}

long getdents64_impl(int fd, void *buf, size_t n)
{
	struct ue_path p;
	struct stat st;
	if (!ue_fd_union_path(fd, &p) || !S_ISDIR(p.node.type) || sys_fstat(fd, &st) < 0)
		return UE_ERR(LIBC(getdents64)(fd, buf, n));
	long pos = sys_lseek(fd, 0, SEEK_CUR);
	if (pos < 0)
		return pos;
	/* A signal handler that interrupted this thread inside the table lists
	 * afresh into a state of its own. */
	struct gd_state own = { .fd = -1 };
	int locked = ue_lock(UE_LOCK_GETDENTS) == 0;
	struct gd_state *s = locked ? &gd_table[fd % GD_SLOTS] : &own;
	long r = 0;
	if (s->fd != fd || s->dev != st.st_dev || s->ino != st.st_ino || pos == 0 || !s->list.ent) {
		ue_dir_free(&s->list);
		s->fd = fd;
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		r = ue_dir_list_fd(p.rel, &p.node, fd, &s->list);
	}
	long used = r < 0 ? r : ue_dirlist_getdents64(&s->list, &pos, buf, n);
	if (locked)
		ue_unlock(UE_LOCK_GETDENTS);
	else
		ue_dir_free(&own.list);
	if (used < 0)
		return used;
	sys_lseek(fd, pos, SEEK_SET);
	return used;
}

long ue_dirlist_getdents64(const struct ue_dirlist *list, long *pos, void *buf, size_t n)
{
	size_t used = 0;
	while (*pos >= 0 && (size_t)*pos < list->n) {
		const struct ue_dirent *e = list->ent[*pos];
		size_t len = strlen(e->name);
		size_t reclen = (offsetof(struct linux_dirent64, d_name) + len + 1 + 7) & ~7UL;
		if (used + reclen > n) {
			if (used == 0)
				return -EINVAL;
			break;
		}
		struct linux_dirent64 *d = (void *)((char *)buf + used);
		d->d_ino = e->ino;
		d->d_off = *pos + 1;
		d->d_reclen = (unsigned short)reclen;
		d->d_type = e->type;
		memcpy(d->d_name, e->name, len + 1);
		used += reclen;
		++*pos;
	}
	return (long)used;
}
