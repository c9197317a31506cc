/* The fds of this process open read-only on a file of a lower.  When such a
 * file is copied up (by this process or any other of the union), the
 * kernel's overlayfs shows the new data through fds opened before
 * (ovl_real_fdget switches to the upper file); here the next call that
 * reads through such an fd first moves it onto the upper copy: the same
 * file, with its offset, status flags and FD_CLOEXEC.
 *
 * The check costs a bit test for an fd not in the table, and for one in it
 * a comparison with the position of the shared ring of change events
 * (core/ring.h), which every change in the union advances. */
#ifndef UE_FDTAB_H
#define UE_FDTAB_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define UE_FDTAB_MAX 65536   /* fds above are not followed */

extern _Atomic uint64_t ue_fdtab_bits[UE_FDTAB_MAX / 64];

static inline int ue_fd_tracked(int fd)
{
	return (unsigned)fd < UE_FDTAB_MAX &&
	       (atomic_load_explicit(&ue_fdtab_bits[(unsigned)fd / 64], memory_order_relaxed) >> ((unsigned)fd % 64) & 1);
}

/* The fd a stdio stream reads through (glibc's FILE), or -1; for the
 * one-character readers, only when its buffer is empty and a read follows. */
static inline int ue_file_fd(FILE *f) { return f ? f->_fileno : -1; }
static inline int ue_file_fd_empty(FILE *f) { return f && f->_IO_read_ptr >= f->_IO_read_end ? f->_fileno : -1; }

/* Before a read through fd: move it onto the upper copy of its file if the
 * file has been copied up since the last look.  errno is kept.  The lean
 * fd wrappers call ue_fd_follow, implementations inside a generated
 * wrapper ue_fd_follow_entered. */
void ue_fd_follow_slow(int fd, int depth);
static inline void ue_fd_follow(int fd)
{
	if (__builtin_expect(ue_fd_tracked(fd), 0))
		ue_fd_follow_slow(fd, 0);
}
static inline void ue_fd_follow_entered(int fd)
{
	if (__builtin_expect(ue_fd_tracked(fd), 0))
		ue_fd_follow_slow(fd, 1);
}

/* Where the union stood before an open resolved its path: the ring of
 * change events and the log of renames (core/renames.h). */
struct ue_fd_mark { unsigned long ring; uint64_t renames; };
struct ue_fd_mark ue_fd_mark(void);
/* fd was just opened read-only on rel, a regular file of a lower. */
void ue_fdtab_track(int fd, const char *rel, struct ue_fd_mark mark);
/* fd is being closed.  Lock-free: safe in a signal handler. */
static inline void ue_fdtab_untrack(int fd)
{
	if (ue_fd_tracked(fd))
		atomic_fetch_and_explicit(&ue_fdtab_bits[(unsigned)fd / 64], ~(1ULL << ((unsigned)fd % 64)),
		                          memory_order_relaxed);
}
/* fd's entry taken out of the table: 1 with its union path in rel and its
 * mark, or 0 (not tracked, or rel too small).  For the supervisor, whose
 * open_impl tracks the fd it will inject (supervisor/fdswap.h). */
int ue_fdtab_take(int fd, char *rel, size_t size, struct ue_fd_mark *mark);

/* Has the file fd is open on (read-only, a lower's; rel its union path,
 * size bytes, *renames the renames followed) been copied up?  An fd open
 * read-only on the upper copy (the caller closes it), or UE_FD_KEEP: not
 * yet, look again at the next change, or UE_FD_DONE: never (the fd or the
 * name is no longer that file).  rel and *renames follow renames. */
#define UE_FD_KEEP (-1)
#define UE_FD_DONE (-2)
int ue_fd_find_copy(int fd, char *rel, size_t size, uint64_t *renames);

/* newfd is now a duplicate of oldfd (dup, dup2, dup3, F_DUPFD). */
void ue_fdtab_dup_slow(int oldfd, int newfd);
static inline void ue_fdtab_dup(int oldfd, int newfd)
{
	if (oldfd != newfd && (ue_fd_tracked(oldfd) || ue_fd_tracked(newfd)))
		ue_fdtab_dup_slow(oldfd, newfd);
}
void ue_fdtab_close_range(unsigned first, unsigned last);

/* At start-up: the standard fds a parent opened on a lower file and handed
 * over across exec (`cmd < file`). */
void ue_fdtab_inherit(void);
void ue_fdtab_reset(void);

#endif
