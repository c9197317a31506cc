/* The fds the supervisor injected open read-only on a lower's file, moved
 * onto the upper copy once the file is copied up (docs/design.md, "An fd
 * on a lower's file after a copy-up"), as the preload moves its own
 * (preload/fdtab.h) and as the kernel's overlayfs reads the new data.
 *
 * A read is not notified, so the move is made at a notification of the
 * process holding the fd: the one that made the copy-up (by this very
 * call: before it is answered), or its next one when another process made
 * it (the shared ring of changes, core/ring.h, says so).  The supervisor
 * keeps a copy of each such open file: kcmp(KCMP_FILE) with it tells
 * whether the caller's fd number still holds it, so a number closed and
 * reused is never replaced, and it shares the caller's offset and status
 * flags, which the upper copy takes.
 *
 * With no tracked fd, or the ring where it was, a check costs a load and
 * a comparison: no system call. */
#ifndef UE_SV_FDSWAP_H
#define UE_SV_FDSWAP_H

#include "fdtab.h"
#include "request.h"

/* Inject ours (the supervisor's copy), open read-only on rel, a lower's
 * file, resolved at mark, into q's caller (add: SECCOMP_IOCTL_NOTIF_ADDFD
 * of it), and track it: the table keeps ours (closed when the entry goes,
 * or at once when the injection fails).  The caller's next call, which
 * another worker may serve as soon as the fd is in, may come before the
 * entry (its moves are made by the next check after), but a flock waits
 * for it.  The fd's number in the caller, or -errno. */
int ue_fdswap_inject(struct ue_req *q, struct seccomp_notif_addfd *add, int ours, const char *rel,
                     struct ue_fd_mark mark);

/* Before serving q and before answering it: move the fds of q's caller
 * whose files were copied up since the last look. */
void ue_fdswap_check(struct ue_req *q);

/* fd of q's caller is being locked (flock): a lock belongs to the open
 * file, which a copy kept here would hold past the caller's close; the
 * entries on that open file go. */
void ue_fdswap_forget(struct ue_req *q, int fd);

/* Drop every entry (tests). */
void ue_fdswap_reset(void);

#endif
