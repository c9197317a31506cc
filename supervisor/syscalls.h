/* The table of notified system calls (supervisor/calls.c): what the filter
 * sends to the supervisor and which handler serves each. */
#ifndef UE_SV_SYSCALLS_H
#define UE_SV_SYSCALLS_H

#include <stddef.h>

struct ue_req;

size_t ue_sv_ncalls(void);
int ue_sv_call_nr(size_t i);
/* The handler for system call nr, or NULL. */
long (*ue_sv_handler_of(int nr))(struct ue_req *q);
const char *ue_sv_call_name(int nr);

#endif
