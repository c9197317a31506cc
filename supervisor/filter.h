/* The seccomp filter of a supervised tree (supervisor/filter.c). */
#ifndef UE_SV_FILTER_H
#define UE_SV_FILTER_H

/* Set no_new_privs and install the filter on this process: the listener fd,
 * or -errno (-EBUSY: a listener is already on the chain).  ALLOW_GATE: the
 * calls made from the gate's page (core/gate.h, UE_GATE_ADDR) are the
 * kernel's, unseen: the tree keeps the preload, whose own calls go there. */
int ue_filter_install(int allow_gate);

/* One line saying why the filter could not be had, or NULL. */
const char *ue_filter_strerror(int err);

#endif
