/* The seccomp filter of a supervised tree (supervisor/filter.c). */
#ifndef UE_SV_FILTER_H
#define UE_SV_FILTER_H

/* Set no_new_privs and install the filter on this process: the listener fd,
 * or -errno (-EBUSY: a listener is already on the chain). */
int ue_filter_install(void);

/* One line saying why the filter could not be had, or NULL. */
const char *ue_filter_strerror(int err);

#endif
