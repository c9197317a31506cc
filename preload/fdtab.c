/* The table of fds open read-only on a file of a lower, and the move of
 * such an fd onto the upper copy once the file has been copied up (see
 * fdtab.h).  One entry per fd number, in chunks that are never freed while
 * the process runs, so the lock-free bit test never meets a dangling chunk.
 *
 * Tracking costs no system call: an entry is only a union path and a mark.
 * Whether the fd still is what the entry says (a number closed where no
 * wrapper saw it, by fclose, and reused) is found out when it matters:
 * only the upper copy that records the fd's own file as its origin is
 * ever put in its place. */
#include "fdtab.h"
#include "lowerdirs.h"
#include "apart.h"
#include "fdnames.h"
#include "impl.h"
#include "layerpath.h"
#include "path.h"
#include "procfd.h"
#include "renames.h"
#include "state.h"
#include "sys.h"
#include "markers.h"
#include "origin.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 256

struct fd_entry {
	_Atomic unsigned long mark;  /* ring position of the last look */
	uint64_t renames;            /* renames followed (core/renames.h) */
	size_t cap;                  /* bytes at rel, kept for the next fd of this number */
	char *rel;                   /* the file's path in the union, relative to the mount */
};

_Atomic uint64_t ue_fdtab_bits[UE_FDTAB_MAX / 64] UE_APART;
static struct fd_entry *_Atomic chunks[UE_FDTAB_MAX / CHUNK] UE_APART;

/* A mark no ring reaches: the next read looks. */
#define MARK_UNSEEN ((unsigned long)-1)

static void set_bit(int fd)
{
	atomic_fetch_or_explicit(&ue_fdtab_bits[(unsigned)fd / 64], 1ULL << ((unsigned)fd % 64), memory_order_release);
}

static struct fd_entry *entry_of(int fd)
{
	struct fd_entry *c = atomic_load_explicit(&chunks[fd / CHUNK], memory_order_acquire);
	return c ? &c[fd % CHUNK] : NULL;
}

static struct fd_entry *entry_locked(int fd)
{
	struct fd_entry *c = atomic_load_explicit(&chunks[fd / CHUNK], memory_order_acquire);
	if (!c) {
		c = calloc(CHUNK, sizeof *c);
		if (!c)
			return NULL;
		atomic_store_explicit(&chunks[fd / CHUNK], c, memory_order_release);
	}
	return &c[fd % CHUNK];
}


static int set_rel(struct fd_entry *e, const char *rel)
{
	size_t len = strlen(rel);
	if (e->cap <= len) {
		size_t cap = (len + 64) & ~(size_t)63;
		char *r = malloc(cap);
		if (!r)
			return -ENOMEM;
		free(e->rel);
		e->rel = r;
		e->cap = cap;
	}
	memcpy(e->rel, rel, len + 1);
	return 0;
}

static void track_locked(int fd, const char *rel, struct ue_fd_mark mark)
{
	struct fd_entry *e = entry_locked(fd);
	if (!e || set_rel(e, rel) < 0)
		return;
	e->renames = mark.renames;
	atomic_store_explicit(&e->mark, mark.ring, memory_order_relaxed);
	set_bit(fd);
}

struct ue_fd_mark ue_fd_mark(void)
{
	return (struct ue_fd_mark){ ue_cache_mark(), ue_renames_head() };
}

void ue_fdtab_track(int fd, const char *rel, struct ue_fd_mark mark)
{
	if ((unsigned)fd >= UE_FDTAB_MAX || ue_lock(UE_LOCK_FDTAB) < 0)
		return;  /* a signal handler interrupted this thread's holder */
	track_locked(fd, rel, mark);
	ue_unlock(UE_LOCK_FDTAB);
}

int ue_fdtab_take(int fd, char *rel, size_t size, struct ue_fd_mark *mark)
{
	int got = 0;
	if (!ue_fd_tracked(fd) || ue_lock(UE_LOCK_FDTAB) < 0)
		return 0;
	struct fd_entry *e = entry_of(fd);
	if (e && ue_fd_tracked(fd) && strlen(e->rel) < size) {
		strcpy(rel, e->rel);
		*mark = (struct ue_fd_mark){ atomic_load_explicit(&e->mark, memory_order_relaxed), e->renames };
		got = 1;
	}
	ue_fdtab_untrack(fd);
	ue_unlock(UE_LOCK_FDTAB);
	return got;
}

void ue_fdtab_dup_slow(int oldfd, int newfd)
{
	ue_fdtab_untrack(newfd);
	if (!ue_fd_tracked(oldfd) || (unsigned)newfd >= UE_FDTAB_MAX)
		return;
	int saved = errno;
	/* Called from a lean fd wrapper: this is wrapper work all the same (a
	 * signal handler's wrapper meanwhile must not allocate: ue_enter). */
	ue_enter();
	if (ue_lock(UE_LOCK_FDTAB) == 0) {
		struct fd_entry *o = entry_of(oldfd);
		if (o && ue_fd_tracked(oldfd))
			track_locked(newfd, o->rel,
			             (struct ue_fd_mark){ atomic_load_explicit(&o->mark, memory_order_relaxed), o->renames });
		ue_unlock(UE_LOCK_FDTAB);
	}
	ue_leave();
	errno = saved;
}

void ue_fdtab_close_range(unsigned first, unsigned last)
{
	for (unsigned fd = first; fd <= last && fd < UE_FDTAB_MAX; fd++) {
		if (fd % 64 == 0 && last - fd >= 63 && !atomic_load(&ue_fdtab_bits[fd / 64])) {
			fd += 63;
			continue;
		}
		ue_fdtab_untrack((int)fd);
	}
}

/* Put a fresh open of the upper copy in fd's place: the same offset,
 * status flags and close-on-exec flag, dup3 making the swap atomic for any
 * thread reading at the same time. */
static int swap_in(int fd, int nfd)
{
	long off = sys_lseek(fd, 0, SEEK_CUR);
	long fl = UE_SYS(SYS_fcntl, fd, F_GETFL);
	long fdfl = UE_SYS(SYS_fcntl, fd, F_GETFD);
	if (off < 0 || fl < 0 || fdfl < 0 || sys_lseek(nfd, off, SEEK_SET) < 0)
		return -1;
	/* O_NOATIME is refused on another user's file: keep the rest. */
	if (UE_SYS(SYS_fcntl, nfd, F_SETFL, fl) < 0)
		UE_SYS(SYS_fcntl, nfd, F_SETFL, fl & ~O_NOATIME);
	return (int)UE_SYS(SYS_dup3, nfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
}

int ue_fd_find_copy(int fd, char *rel, size_t size, uint64_t *renames)
{
	struct stat fst, st;
	struct ue_path p;
	char v[UE_PATH_MAX], moved[UE_PATH_MAX];
	int lost = 0;
	if (sys_fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) || strlen(rel) >= sizeof moved)
		return UE_FD_DONE;
	/* The file, or a directory above it, renamed in the union: the copy,
	 * if any, is under the new name. */
	strcpy(moved, rel);
	if (ue_renames_apply(moved, sizeof moved, renames, ue_renames_head(), &lost) > 0) {
		if (strlen(moved) >= size)
			return UE_FD_DONE;
		strcpy(rel, moved);
	}
	if (ue_path_join(v, sizeof v, ue_cfg.mount, rel) < 0)
		return UE_FD_DONE;
	if (ue_resolve_as(ue_for(), AT_FDCWD, v, 0, &p) < 0 || p.where != UE_UNION || !ue_node_exists(&p.node))
		return UE_FD_KEEP;  /* removed: the fd keeps its file, the name may come back by a rename */
	if (p.node.layer != UE_UPPER)
		return sys_lstat(p.real, &st) == 0 && st.st_dev == fst.st_dev && st.st_ino == fst.st_ino ? UE_FD_KEEP
		                                                                                      : UE_FD_DONE;
	if (!S_ISREG(p.node.type))
		return UE_FD_DONE;
	int nfd = sys_openat(AT_FDCWD, p.real, O_RDONLY | O_NOCTTY | O_CLOEXEC, 0);
	if (nfd < 0)
		return UE_FD_KEEP;
	/* A metadata-only copy-up (the kernel's metacopy) holds no data yet:
	 * the fd stays on the data below until the copy-up is completed. */
	if (ue_is_metacopy_at(nfd, NULL)) {
		sys_close(nfd);
		return UE_FD_KEEP;
	}
	/* The name may now hold another file (removed and made anew): only
	 * the copy of this very file, which records it as its origin, counts. */
	if (ue_origin_is(nfd, fd))
		return nfd;
	sys_close(nfd);
	return UE_FD_DONE;
}

enum look { KEEP, DONE };

/* Has fd's file been copied up?  KEEP: still in its lower, look again at
 * the next change; DONE: moved onto the upper, or the fd or the name is no
 * longer that file (the kernel's fd then keeps the file it had). */
static enum look look_locked(int fd, struct fd_entry *e)
{
	char rel[UE_PATH_MAX];
	if (strlen(e->rel) >= sizeof rel)
		return DONE;
	strcpy(rel, e->rel);
	int nfd = ue_fd_find_copy(fd, rel, sizeof rel, &e->renames);
	if (strcmp(rel, e->rel) && set_rel(e, rel) < 0) {
		if (nfd >= 0)
			sys_close(nfd);
		return DONE;
	}
	if (nfd == UE_FD_KEEP)
		return KEEP;
	if (nfd >= 0) {
		swap_in(fd, nfd);
		sys_close(nfd);
	}
	return DONE;
}

/* The union changed since fd's last look. */
static __attribute__((noinline)) void follow_changed(int fd, struct fd_entry *e, int depth)
{
	int saved = errno;
	if (depth == 0)
		ue_enter();
	if (ue_lock(UE_LOCK_FDTAB) < 0)
		goto out;
	unsigned long head = ue_cache_mark();
	if (ue_fd_tracked(fd) && atomic_load_explicit(&e->mark, memory_order_relaxed) != head) {
		atomic_store_explicit(&e->mark, head, memory_order_relaxed);
		if (look_locked(fd, e) == DONE)
			ue_fdtab_untrack(fd);
	}
	ue_unlock(UE_LOCK_FDTAB);
out:
	if (depth == 0)
		ue_leave();
	errno = saved;
}

void ue_fd_follow_slow(int fd, int depth)
{
	struct fd_entry *e = entry_of(fd);
	if (e && atomic_load_explicit(&e->mark, memory_order_relaxed) != ue_cache_mark() && ue_lock_may(UE_LOCK_FDTAB))
		follow_changed(fd, e, depth);
}

void ue_fdtab_inherit(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;
		char link[32], real[UE_PATH_MAX], v[UE_PATH_MAX];
		/* Read-only on a lower: the parent's open was read-only too.  The
		 * name last: a new process's first look in /proc is dear, and
		 * its stdout and stderr are mostly written. */
		if (sys_fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		long fl = UE_SYS(SYS_fcntl, fd, F_GETFL);
		if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY)
			continue;
		ue_proc_fd(link, sizeof link, fd, NULL);
		long n = sys_readlinkat(AT_FDCWD, link, real, sizeof real - 1);
		if (n <= 0)
			continue;
		real[n] = '\0';
		const char *rel;
		if (ue_layer_of(real) <= UE_UPPER ||
		    ue_unreal(v, sizeof v, real) < 0 || !(rel = ue_path_under(v, ue_cfg.mount, ue_cfg.mount_len)))
			continue;
		if (ue_lock(UE_LOCK_FDTAB) < 0)
			continue;
		track_locked(fd, rel, (struct ue_fd_mark){ MARK_UNSEEN, ue_renames_head() });
		ue_unlock(UE_LOCK_FDTAB);
	}
}

void ue_fdtab_reset(void)
{
	if (ue_lock(UE_LOCK_FDTAB) < 0)
		return;
	for (size_t i = 0; i < UE_FDTAB_MAX / 64; i++)
		atomic_store(&ue_fdtab_bits[i], 0);
	for (size_t i = 0; i < UE_FDTAB_MAX / CHUNK; i++) {
		struct fd_entry *c = atomic_exchange(&chunks[i], NULL);
		for (int j = 0; c && j < CHUNK; j++)
			free(c[j].rel);
		free(c);
	}
	ue_unlock(UE_LOCK_FDTAB);
}

/* Both tables of fds (this one and core/fdnames.h), and getdents64's
 * listings (dir.c), for the calls that end or copy an fd (fdio.c,
 * rawcall.c, dir.c). */
void ue_fd_closed(int fd)
{
	ue_lowerdirs_forget(fd);
	ue_fdtab_untrack(fd);
	ue_fdname_drop(fd);
	ue_getdents_fd_closed(fd);
}

void ue_fd_duped(int fd, int newfd)
{
	ue_fdtab_dup(fd, newfd);
	ue_fdname_dup(fd, newfd);
	if (newfd != fd)
		ue_getdents_fd_closed(newfd);
}

void ue_fd_range_closed(unsigned first, unsigned last)
{
	ue_fdtab_close_range(first, last);
	ue_fdname_close_range(first, last);
	ue_getdents_range_closed(first, last);
}
