/* The seccomp filter of a supervised tree (supervisor/filter.c). */
#ifndef UE_SV_FILTER_H
#define UE_SV_FILTER_H

#include <linux/filter.h>
#include <stddef.h>

/* The longest lists a program can hold: its conditional jumps reach 255
 * instructions ahead. */
#define UE_FILTER_MAX_CALLS 200
#define UE_FILTER_MAX_IOCTLS 16
#define UE_FILTER_MAX_INSNS 256

/* Write into PROG (UE_FILTER_MAX_INSNS) the filter that sends the calls
 * numbered CALLS, and ioctl for the commands IOCTL_CMDS, to the
 * supervisor, answers a few with ENOSYS, and allows the rest; with
 * ALLOW_GATE, a call made from the gate's page is allowed too.  Its
 * length, or 0 when a list is too long. */
size_t ue_filter_build(struct sock_filter *prog, int allow_gate, const int *calls, size_t ncalls,
                       const unsigned *ioctl_cmds, size_t nioctl);

/* Set no_new_privs and install the filter on this process: the listener fd,
 * or -errno (-EBUSY: a listener is already on the chain).  ALLOW_GATE: the
 * calls made from the gate's page (core/gate.h, UE_GATE_ADDR) are the
 * kernel's, unseen: the tree keeps the preload, whose own calls go there. */
int ue_filter_install(int allow_gate);

/* One line saying why the filter could not be had, or NULL. */
const char *ue_filter_strerror(int err);

#endif
