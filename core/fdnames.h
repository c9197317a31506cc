/* The union name of this process's fds, kept so that a call relative to a
 * directory fd (openat, fstatat, unlinkat: the fts of find, du and rm -rf,
 * tar) does not ask the kernel for it (a readlink of /proc/self/fd/N, then
 * the real path mapped to the mount) every time.
 *
 * An entry is the name that ue_fd_vpath found for an fd used as the base
 * of an *at call, or that the open of a directory gave, and
 * the position of the change ring (core/ring.h) it was true at.  Every
 * change in the union, by any process, posts the paths it changed before
 * anyone can see the change through the caches: an event at the entry's
 * name or above it (a rename, a removal, a copy-up of the directory) makes
 * the next use ask the kernel again; events below it, the common case (the
 * names rm -rf removes, or untar makes, in the directory), leave it.  A
 * ring that has turned past the entry's position, an event that can no
 * longer be read, a damaged segment: the kernel is asked.  Only names in
 * the union are kept (a path outside it can change without an event).
 *
 * An fd number changes what it is open on only through calls the preload
 * sees (close, dup2, dup3, F_DUPFD, close_range, closefrom, fclose,
 * freopen, closedir, syscall(), an open that returns it): there the entry
 * is dropped or
 * copied.  A vfork child shares this table with its parent while its fds
 * are its own: the exec wrappers empty the table before the exec (a
 * process that execs loses its memory anyway; the parent asks the kernel
 * again).  Off until the preload turns it on (the supervisor's own fds
 * are closed where no wrapper sees them).
 *
 * Guarded by UE_LOCK_FDNAMES (core/state.h); the bits are lock-free, so a
 * drop is safe in a signal handler; a thread that may not take the lock
 * asks the kernel. */
#ifndef UE_FDNAMES_H
#define UE_FDNAMES_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define UE_FDNAMES_MAX 65536  /* fds above are always asked of the kernel */

extern _Atomic uint64_t ue_fdname_bits[UE_FDNAMES_MAX / 64];

static inline int ue_fdname_known(int fd)
{
	return (unsigned)fd < UE_FDNAMES_MAX &&
	       (atomic_load_explicit(&ue_fdname_bits[(unsigned)fd / 64], memory_order_relaxed) >> ((unsigned)fd % 64) & 1);
}

/* Beside the names, one bit per fd: open on a file or directory of the
 * upper layer.  That is a property of the open file (no rename or copy-up
 * moves it to another layer), so the bit stays true while the fd number
 * means that open file; it goes with the name's bit (close, dup, exec).
 * A call through such an fd needs no copy-up and no look at /proc. */
extern _Atomic uint64_t ue_fd_upper_bits[UE_FDNAMES_MAX / 64];

static inline int ue_fd_on_upper(int fd)
{
	return (unsigned)fd < UE_FDNAMES_MAX &&
	       (atomic_load_explicit(&ue_fd_upper_bits[(unsigned)fd / 64], memory_order_relaxed) >> ((unsigned)fd % 64) & 1);
}
/* And one more: open on a file that the open which returned the fd made
 * in the upper.  No copy-up made that file, so it carries no record of an
 * owner or of an origin (core/override.h, core/origin.h), and none is
 * ever added to it. */
extern _Atomic uint64_t ue_fd_made_bits[UE_FDNAMES_MAX / 64];

static inline int ue_fd_made(int fd)
{
	return (unsigned)fd < UE_FDNAMES_MAX &&
	       (atomic_load_explicit(&ue_fd_made_bits[(unsigned)fd / 64], memory_order_relaxed) >> ((unsigned)fd % 64) & 1);
}
/* fd was just opened on a file of the upper layer; made: by this open. */
void ue_fd_set_upper(int fd, int made);
/* And one more: open on a file by an absolute path outside the union and
 * every layer (a compiler's system headers): it carries no record of ours,
 * and fstat reads none (cc1's fstat of each header asked its origin). */
extern _Atomic uint64_t ue_fd_outside_bits[UE_FDNAMES_MAX / 64];

static inline int ue_fd_outside(int fd)
{
	return (unsigned)fd < UE_FDNAMES_MAX &&
	       (atomic_load_explicit(&ue_fd_outside_bits[(unsigned)fd / 64], memory_order_relaxed) >> ((unsigned)fd % 64) & 1);
}
void ue_fd_set_outside(int fd);

/* The name kept for fd, still true, into out: 1, or 0 (ask the kernel). */
int ue_fdname_get(int fd, char *out, size_t size);
/* The same, and the layer whose directory at the name fd is open on (the
 * open of a directory of one layer's path: that directory is a lower's, which
 * never changes, or the upper's, whose replacement is an event at the
 * name): a lookup of a name in it may start at fd.  -1: not known. */
int ue_fdname_get_layer(int fd, char *out, size_t size, int *layer);
/* fd is open on vpath, as the union stood at mark (ue_fdname_mark, taken
 * before the name was found). */
void ue_fdname_put(int fd, const char *vpath, uint64_t mark);
uint64_t ue_fdname_mark(void);
/* The same for the union path rel (relative to the mount), opened at real. */
void ue_fdname_put_rel(int fd, const char *rel, const char *real, uint64_t mark);

/* fd's name no longer true (its bit for the upper stays). */
static inline void ue_fdname_forget(int fd)
{
	if (ue_fdname_known(fd))
		atomic_fetch_and_explicit(&ue_fdname_bits[(unsigned)fd / 64], ~(1ULL << ((unsigned)fd % 64)),
		                          memory_order_relaxed);
}
/* fd closed, or open anew on something else: every bit goes. */
static inline void ue_fdname_drop(int fd)
{
	ue_fdname_forget(fd);
	if (ue_fd_outside(fd))
		atomic_fetch_and_explicit(&ue_fd_outside_bits[(unsigned)fd / 64], ~(1ULL << ((unsigned)fd % 64)),
		                          memory_order_relaxed);
	if (ue_fd_on_upper(fd)) {
		atomic_fetch_and_explicit(&ue_fd_upper_bits[(unsigned)fd / 64], ~(1ULL << ((unsigned)fd % 64)),
		                          memory_order_relaxed);
		atomic_fetch_and_explicit(&ue_fd_made_bits[(unsigned)fd / 64], ~(1ULL << ((unsigned)fd % 64)),
		                          memory_order_relaxed);
	}
}
/* newfd is now a duplicate of oldfd. */
void ue_fdname_dup_slow(int oldfd, int newfd);
static inline void ue_fdname_dup(int oldfd, int newfd)
{
	if (oldfd != newfd && (ue_fdname_known(oldfd) || ue_fdname_known(newfd) || ue_fd_on_upper(oldfd) ||
	                       ue_fd_on_upper(newfd) || ue_fd_outside(oldfd) || ue_fd_outside(newfd)))
		ue_fdname_dup_slow(oldfd, newfd);
}
void ue_fdname_close_range(unsigned first, unsigned last);
/* Forget every entry (before an exec; lock-free). */
void ue_fdname_clear(void);

/* The table is used from now on (the preload, at start-up). */
void ue_fdnames_enable(void);
/* In a fork child whose parent thread could not take the lock: the
 * entries may be half-written. */
void ue_fdnames_abandon(void);

#endif
